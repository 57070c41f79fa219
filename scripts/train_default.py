"""Train the pretrained default model (width 128, dropout 0.2) on the bundled sample.

Seeded, with light augmentation (shifts, rotations, scale, stroke thickness) so that digits
drawn with a mouse are recognised, not only MNIST scans. Writes nnviz/assets/default_model.keras.
Usage: python scripts/train_default.py [--epochs N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from nnviz import data, model  # noqa: E402

SEED = 128


def augmenter() -> keras.Sequential:
    return keras.Sequential([
        keras.layers.RandomRotation(0.035, fill_mode="constant", seed=SEED),   # about ±13°
        keras.layers.RandomZoom((-0.15, 0.15), fill_mode="constant", seed=SEED + 1),
        keras.layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=SEED + 2),
    ])


def vary_thickness(images: tf.Tensor) -> tf.Tensor:
    """Per image: thinner (soft erosion), unchanged, or thicker (soft dilation) strokes."""
    dilated = tf.nn.max_pool2d(images, 3, 1, "SAME")
    eroded = -tf.nn.max_pool2d(-images, 2, 1, "SAME")
    choice = tf.random.uniform((tf.shape(images)[0], 1, 1, 1), seed=SEED + 3)
    thick = 0.5 * images + 0.5 * dilated
    thin = 0.5 * images + 0.5 * eroded
    return tf.where(choice < 0.25, thin, tf.where(choice < 0.6, images, thick))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args()
    keras.utils.set_random_seed(SEED)
    sample = data.load_sample()
    x, y = data.as_float(sample.x_train)[..., None], sample.y_train.astype(np.int32)
    aug = augmenter()

    def augment(images, labels):
        images = vary_thickness(aug(images, training=True))
        return tf.clip_by_value(images[..., 0], 0.0, 1.0), labels

    batches = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(y), seed=SEED)
               .batch(64).map(augment, num_parallel_calls=tf.data.AUTOTUNE).prefetch(4))
    steps = args.epochs * int(np.ceil(len(y) / 64))
    net = model.build_model(128, 0.2, seed=SEED, steps_per_execution=25)
    net.optimizer.learning_rate = keras.optimizers.schedules.CosineDecay(2e-3, steps)
    net.fit(batches, epochs=args.epochs, verbose=2,
            validation_data=(data.as_float(sample.x_test), sample.y_test))
    # Re-wrap the weights in a freshly compiled model: the file then carries no optimizer state.
    clean = model.from_network(model.to_network(net))
    loss, acc = clean.evaluate(data.as_float(sample.x_test), sample.y_test, verbose=0)
    out = data.asset_path(model.DEFAULT_MODEL_FILE)
    clean.save(out)
    print(f"test accuracy on the sample's test split: {acc:.4f} (loss {loss:.4f}); wrote {out}")


if __name__ == "__main__":
    main()
