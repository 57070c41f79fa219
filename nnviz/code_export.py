"""A run as code: a self-contained Keras script (and the same as a Jupyter notebook) that trains it again.

The code comes from fixed templates (string.Template). Only checked numbers and allow-listed words from
a Settings value are put into code, each rendered as a Python literal (repr, or 60_000 for whole numbers);
a run's name is never code: it appears only in a comment, reduced to harmless characters on one line.

The script builds nnviz's model (nnviz/model.py: the same layers, names, seeded initialisers, optimizer
and loss) and trains it with model.fit on the same batches in the same order as nnviz's trainer
(nnviz/training/run.py's BatchPlan: a fresh permutation from numpy's default_rng(seed) each epoch, the
first `train_size` training digits), validating on the even-numbered test digits and testing on the odd
ones (nnviz/training/split.py).
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from dataclasses import dataclass
from string import Template

from nnviz.data import SAMPLE_FILE
from nnviz.network import dropout_names, hidden_names
from nnviz.settings import Settings

DATA_CHOICES = ("mnist", "sample")   # the script's DATA switch: Keras's download, or nnviz's bundled sample
SCRIPT_FILE = "nnviz_run.py"
NOTEBOOK_FILE = "nnviz_run.ipynb"
MODEL_FILE = "nnviz_run.keras"
COMMENT_WIDTH = 100                  # the script's comment lines wrap here
NAME_CHARS = 60                      # a run's name in the script's comment, at most


@dataclass(frozen=True)
class Section:
    """One step of the script: a title (a comment in the script, a heading in the notebook) and its code."""

    title: str
    why: str            # one or two sentences on what the step does
    code: Template


HEADER = '''\
"""Train an MNIST digit classifier with Keras: the network and settings of a run in nnviz.

Run it with `python nnviz_run.py` (needs TensorFlow: `pip install tensorflow`). With DATA = "mnist" it
downloads MNIST once (11 MB, kept in ~/.keras/datasets). To train offline on nnviz's bundled sample of
10,000 real MNIST digits instead, set DATA = "sample" and put mnist_sample.npz beside this script (or set
SAMPLE_FILE to its path).
"""
'''

SECTIONS = (
    Section("Settings", "The run's settings, as nnviz trained it (the layers' widths are in step 3). Change "
            "them and run again.", Template('''\
$name_comment
import os

import keras
import numpy as np

ACTIVATION = $activation
DROPOUT = $dropout
LEARNING_RATE = $learning_rate
BATCH_SIZE = $batch_size
EPOCHS = $epochs
TRAIN_SIZE = $train_size  # train on the first TRAIN_SIZE training digits
SEED = $seed  # fixes the initial weights, the dropout and the order of the digits

# "mnist": download MNIST with Keras; "sample": nnviz's bundled sample of 10,000 digits, offline.
DATA = $data$data_note
SAMPLE_FILE = $sample_file  # where the sample is, for DATA = "sample"
MODEL_FILE = $model_file
''')),
    Section("Load the digits", "28×28 grayscale images (pixel values 0–255) and their labels 0–9.", Template('''\
if DATA == "sample":
    if not os.path.exists(SAMPLE_FILE):
        raise SystemExit(f"{SAMPLE_FILE} is not here: download it from nnviz's Runs & models page, "
                         "or set DATA = 'mnist'.")
    with np.load(SAMPLE_FILE) as sample:
        x_train, y_train = sample["x_train"], sample["y_train"]
        x_test, y_test = sample["x_test"], sample["y_test"]
else:
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train, y_train = x_train[:TRAIN_SIZE], y_train[:TRAIN_SIZE]

# As nnviz does, the even-numbered test digits check progress while training (validation) and the
# odd-numbered ones give the final test, so the test uses digits that steered nothing.
x_val, y_val = x_test[0::2], y_test[0::2]
x_test, y_test = x_test[1::2], y_test[1::2]
print(f"{len(y_train):,} training, {len(y_val):,} validation and {len(y_test):,} test digits")
''')),
    Section("Scale", "The network reads pixels as numbers from 0 to 1.", Template('''\
x_train = x_train.astype("float32") / 255
x_val = x_val.astype("float32") / 255
x_test = x_test.astype("float32") / 255
''')),
    Section("Build the model", "Flatten turns a digit into 784 numbers; each hidden Dense layer is followed by "
            "Dropout; the last layer gives 10 logits, one score per digit. The seeds make the starting weights "
            "and the dropout the same as in nnviz.", Template('''\
model = keras.Sequential([
    keras.Input(shape=(28, 28), name="digit"),
    keras.layers.Flatten(name="flatten"),
$layers
], name="mnist_beginner")

model.compile(
    optimizer=keras.optimizers.Adam(LEARNING_RATE),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
model.summary()
''')),
    Section("Train", "Each epoch takes the training digits in a fresh random order drawn from SEED, the way "
            "nnviz's trainer draws it, so the batches come in the same order as in the app.", Template('''\
order_rng = np.random.default_rng(SEED)
for epoch in range(EPOCHS):
    order = order_rng.permutation(len(y_train))
    history = model.fit(x_train[order], y_train[order], batch_size=BATCH_SIZE, shuffle=False,
                        validation_data=(x_val, y_val), verbose=0)
    scores = ", ".join(f"{name} {values[-1]:.4f}" for name, values in history.history.items())
    print(f"Epoch {epoch + 1}/{EPOCHS}: {scores}")
''')),
    Section("Evaluate and save", "Test on digits the network never trained on, then save the model: nnviz's "
            "Runs & models page can upload the .keras file.", Template('''\
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"Test accuracy: {accuracy:.4f} on {len(y_test):,} test digits (loss {loss:.4f})")
model.save(MODEL_FILE)
print(f"Saved the model to {MODEL_FILE}")
''')),
)

QUOTED = re.compile(r"'[^'\"\\\\]*'")


def _literal(value: str) -> str:
    """A str as a Python literal (repr), in double quotes like the rest of the script when nothing needs escaping."""
    text = repr(value)
    return f'"{text[1:-1]}"' if QUOTED.fullmatch(text) else text


LAYER = Template('''\
    keras.layers.Dense($width, activation=ACTIVATION, name=$name,
                       kernel_initializer=keras.initializers.GlorotUniform(seed=SEED$offset)),
    keras.layers.Dropout(DROPOUT, seed=SEED$offset, name=$dropout_name),''')
LOGITS = Template('''\
    keras.layers.Dense(10, name="logits",  # one score per digit
                       kernel_initializer=keras.initializers.GlorotUniform(seed=SEED$offset)),''')


def comment_text(name: str) -> str:
    """A run's name made safe for one comment line: letters, digits, spaces and plain punctuation only,
    on one line, short. Quotes, brackets and backslashes become '?' (they are not needed to recognise it)."""
    kept = re.sub(r"[^\w .,:;!+\-]", "?", re.sub(r"\s", " ", name[:NAME_CHARS])).strip()
    return kept + ("…" if len(name) > NAME_CHARS else "")


def export_epochs(settings: Settings, trained: float | None = None) -> int:
    """The EPOCHS a script runs: the run's setting; for a run set to train until stopped (epochs 0), the
    epochs it trained, rounded up (at least 1); with neither, the table's default."""
    if settings.epochs:
        return settings.epochs
    if trained is not None and math.isfinite(trained) and trained > 0:
        return max(1, math.ceil(trained - 1e-9))
    return Settings().epochs


def _whole(number: int) -> str:
    """A whole number as a Python literal that reads like the app shows it: 60_000."""
    return f"{int(number):_}"


def _offset(i: int) -> str:
    return f" + {i}" if i else ""


def _values(settings: Settings, *, epochs: int, data: str, sample_file: str, name: str) -> dict[str, str]:
    """Every placeholder's text: numbers and allow-listed words from checked Settings, each by repr."""
    if data not in DATA_CHOICES:
        raise ValueError(f"data must be one of {', '.join(DATA_CHOICES)}")
    if not isinstance(epochs, int) or not 1 <= epochs <= 1000:
        raise ValueError("epochs must be a whole number from 1 to 1,000")
    s = Settings(**settings.as_dict())  # checked again against the table: a forged value stops here
    depth = len(s.widths)
    layers = [LAYER.substitute(width=int(w), name=_literal(h), dropout_name=_literal(d), offset=_offset(i))
              for i, (w, h, d) in enumerate(zip(s.widths, hidden_names(depth), dropout_names(depth), strict=True))]
    layers.append(LOGITS.substitute(offset=_offset(depth)))
    comment = comment_text(name)
    shape = "-".join(map(str, (784, *map(int, s.widths), 10)))
    return {
        "name_comment": f"# nnviz run{': ' + comment if comment else ''} ({shape} network)",
        "activation": _literal(str(s.activation)),
        "dropout": repr(float(s.dropout)), "learning_rate": repr(float(s.learning_rate)),
        "batch_size": _whole(s.batch_size), "epochs": _whole(epochs), "train_size": _whole(s.train_size),
        "seed": _whole(s.seed), "data": _literal(data), "sample_file": _literal(str(sample_file)),
        "data_note": "  # as this run: it trained on the sample" if s.dataset == "sample" else "",
        "model_file": _literal(MODEL_FILE), "layers": "\n".join(layers),
    }


def _cells(settings: Settings, epochs: int | None, data: str | None, sample_file: str,
           name: str) -> list[tuple[Section, str]]:
    values = _values(settings, epochs=export_epochs(settings) if epochs is None else epochs,
                     data=data or ("sample" if settings.dataset == "sample" else "mnist"),
                     sample_file=sample_file, name=name)
    return [(section, section.code.substitute(values)) for section in SECTIONS]


def script(settings: Settings, *, epochs: int | None = None, data: str | None = None,
           sample_file: str = SAMPLE_FILE, name: str = "") -> str:
    """The run as one Python script. data: "mnist" or "sample" (default: the run's own dataset);
    epochs: default export_epochs(settings)."""
    parts = [HEADER]
    for number, (section, code) in enumerate(_cells(settings, epochs, data, sample_file, name)):
        heading = textwrap.fill(f"{number}. {section.title}. {section.why}", COMMENT_WIDTH,
                                initial_indent="# ", subsequent_indent="#    ")
        parts.append(code if number == 0 else f"{heading}\n{code}")
    return "\n".join(parts)


def notebook(settings: Settings, *, epochs: int | None = None, data: str | None = None,
             sample_file: str = SAMPLE_FILE, name: str = "") -> str:
    """The same script as a Jupyter notebook (nbformat 4 JSON): a Markdown heading before each step's code."""
    intro = ("# Train an MNIST digit classifier with Keras\n\nThe network and settings of a run in nnviz. Run the "
             "cells in order (needs TensorFlow: `pip install tensorflow`). With `DATA = \"mnist\"` MNIST is "
             "downloaded once; set `DATA = \"sample\"` to train offline on nnviz's bundled sample "
             "(`mnist_sample.npz` beside the notebook).")
    cells = [("markdown", intro)]
    for number, (section, code) in enumerate(_cells(settings, epochs, data, sample_file, name)):
        heading = section.title if number == 0 else f"{number}. {section.title}"
        cells += [("markdown", f"## {heading}\n\n{section.why}"), ("code", code.rstrip("\n"))]
    document = {"cells": [_cell(kind, text, i) for i, (kind, text) in enumerate(cells)], "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def _cell(kind: str, text: str, index: int) -> dict:
    """One nbformat 4.5 cell (ids are required from 4.5 on)."""
    cell = {"cell_type": kind, "id": f"cell-{index}", "metadata": {}, "source": text.splitlines(keepends=True)}
    return cell | ({"execution_count": None, "outputs": []} if kind == "code" else {})
