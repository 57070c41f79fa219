"""The hidden-layer map's core: deterministic PCA maps at any depth, the star where the model puts the digit,
and live frames that never flip."""

import numpy as np
import pytest

from nnviz import network, projection
from tests.support import deep


@pytest.fixture(scope="module")
def digits(sample):
    images, labels = projection.map_digits(sample)
    return images[:600], labels[:600]  # fewer digits keep the tests quick; the maths is the same


def test_the_map_digits_are_the_first_test_digits(sample):
    images, labels = projection.map_digits(sample)
    assert len(images) == min(projection.MAP_DIGITS, len(sample.y_test))
    assert np.allclose(images[7], sample.x_test[7] / 255.0) and labels[7] == sample.y_test[7]


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_every_layer_of_every_depth_maps_deterministically(digits, depth):
    net = deep.random_deep_net(deep.WIDTHS[depth], seed=depth)
    images, labels = digits
    for layer in range(depth + 1):
        a = projection.layer_map(net, images, labels, layer)
        b = projection.layer_map(net, images.copy(), labels, layer)
        assert a.coords.shape == (len(images), 2)
        assert np.array_equal(a.coords, b.coords)  # a rerun gives the same picture, to the bit
        biggest = np.abs(a.projection.components).argmax(axis=1)
        assert (a.projection.components[[0, 1], biggest] > 0).all()  # each component's sign is fixed
        assert a.projection.explained[0] >= a.projection.explained[1] > 0


def test_the_map_is_pca_of_the_layer_activations(digits):
    net = deep.random_deep_net(deep.WIDTHS[2], seed=5)
    images, labels = digits
    m = projection.layer_map(net, images, labels, 2)
    acts = network.forward(net, images).hiddens[1].astype(np.float64)
    centred = acts - acts.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    for i in range(2):  # the same axes as an SVD's, up to the sign fixed above
        assert abs(abs(vt[i] @ m.projection.components[i]) - 1) < 1e-6
    assert np.allclose(m.projection.explained, s[:2] ** 2 / (s ** 2).sum())


def test_the_star_sits_where_the_model_puts_the_digit(digits):
    net = deep.random_deep_net(deep.WIDTHS[3], seed=1)
    images, labels = digits
    for layer in (0, 1, 3):
        m = projection.layer_map(net, images, labels, layer)
        assert np.allclose(projection.place(net, images[12], m), m.coords[12])  # a map digit lands on itself
    m = projection.layer_map(net, images, labels, 2)
    drawn = np.clip(images[3] + 0.3 * np.eye(28, dtype=np.float32), 0, 1)  # a digit not on the map
    acts = network.forward(net, drawn).hiddens[1]
    expected = (acts - m.projection.mean) @ m.projection.components.T
    assert np.allclose(projection.place(net, drawn, m), expected)


def test_a_dead_or_one_neuron_layer_is_a_dot_or_a_line_not_an_error(digits):
    images, labels = digits
    net = deep.random_deep_net((8,), seed=0)
    dead = network.Network.of(net.kernels[0], np.full(8, -100, np.float32), net.kernels[1], net.biases[1])
    assert not projection.layer_map(dead, images, labels, 1).coords.any()
    narrow = deep.random_deep_net((1,), seed=0)
    m = projection.layer_map(narrow, images, labels, 1)
    assert m.coords[:, 0].std() > 0 and not m.coords[:, 1].any()


def test_alignment_turns_a_flipped_or_rotated_frame_back(digits):
    net = deep.random_deep_net(deep.WIDTHS[1], seed=2)
    images, labels = digits
    m = projection.layer_map(net, images, labels, 1)
    angle = 2.5
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    for change in (np.diag([-1.0, 1.0]), np.diag([1.0, -1.0]), -np.eye(2), turn, turn @ np.diag([-1.0, 1.0])):
        moved = projection.LayerMap(1, m.coords @ change, labels, m.projection)
        back, r = projection.aligned(moved, m.coords)
        assert np.allclose(back.coords, m.coords)
        assert np.allclose(r @ r.T, np.eye(2))  # a rotation or reflection: distances kept


def test_live_frames_of_a_learning_network_never_flip(digits):
    """Small steps of the weights: every aligned frame stays close to the one before, with positive
    correlation along both axes (a flip would make one negative), and the turned projection places the star."""
    images, labels = digits
    net = deep.random_deep_net(deep.WIDTHS[2], seed=3)
    rng = np.random.default_rng(0)
    previous = None
    for _ in range(8):
        arrays = [a + rng.normal(0, 0.02, a.shape).astype(np.float32) for a in net.arrays()]
        net = network.Network.of(*arrays)
        m, _ = projection.aligned(projection.layer_map(net, images, labels, 2), previous)
        if previous is not None:
            for axis in range(2):
                assert np.corrcoef(m.coords[:, axis], previous[:, axis])[0, 1] > 0.5
        assert np.allclose(projection.place(net, images[40], m), m.coords[40])
        previous = m.coords


def test_a_frame_of_other_points_is_not_aligned(digits):
    net = deep.random_deep_net(deep.WIDTHS[1])
    images, labels = digits
    m = projection.layer_map(net, images, labels, 1)
    same, r = projection.aligned(m, m.coords[:10])
    assert same is m and np.array_equal(r, np.eye(2))


def test_the_chosen_layer_falls_back_to_the_last_one():
    assert projection.chosen_layer(3, 4) == 3
    assert projection.chosen_layer(3, 2) == 2  # a shallower model became active
    assert projection.chosen_layer(None, 3) == 3
    assert projection.chosen_layer(0, 1) == 1
    with pytest.raises(ValueError, match="hidden layers 1 to 2"):
        projection.features(deep.random_deep_net(deep.WIDTHS[2]), np.zeros((28, 28)), 3)


def test_the_cache_reuses_a_map_per_network_and_layer(digits):
    images, labels = digits
    cache = projection.MapCache()
    net = deep.random_deep_net(deep.WIDTHS[2])
    first = cache.get(net, images, labels, 1)
    assert cache.get(net, images, labels, 1) is first
    assert cache.get(net, images, labels, 2) is not first
    other = deep.random_deep_net(deep.WIDTHS[2])  # equal weights, another network: computed again
    assert cache.get(other, images, labels, 1) is not first


def test_live_frames_wait_a_second_and_align_within_a_run_and_layer(digits):
    images, labels = digits
    net = deep.random_deep_net(deep.WIDTHS[2], seed=6)
    first = projection.advance(None, "run-a", 1, net, images, labels, 2, now=100.0)
    assert first.step == 1 and first.net is net
    assert projection.advance(first, "run-a", 1, net, images, labels, 2, now=200.0) is first  # same step
    later = deep.random_deep_net(deep.WIDTHS[2], seed=7)
    assert projection.advance(first, "run-a", 2, later, images, labels, 2, now=100.5) is first  # under a second
    second = projection.advance(first, "run-a", 2, later, images, labels, 2, now=101.0)
    fresh = projection.layer_map(later, images, labels, 2).coords
    r = projection.rotation(fresh, first.map.coords)
    assert second.step == 2 and np.allclose(second.map.coords, fresh @ r, atol=1e-5)  # aligned to the frame before
    for other in (("run-b", 2), ("run-a", 1)):  # another run, or another layer: a fresh start, not aligned
        run_id, layer = other
        frame = projection.advance(second, run_id, 3, later, images, labels, layer, now=100.6)
        assert np.allclose(frame.map.coords, projection.layer_map(later, images, labels, layer).coords, atol=1e-5)


def test_live_frames_run_blas_on_one_thread_through_one_controller():
    """A live frame limits BLAS to one thread (training needs the other core) without rescanning every loaded
    library each time, as threadpool_limits() does."""
    from threadpoolctl import threadpool_info

    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    before = [lib["num_threads"] for lib in blas]
    with projection.one_thread():
        assert all(lib["num_threads"] == 1 for lib in threadpool_info() if lib["user_api"] == "blas")
    assert [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"] == before
    assert projection._BLAS and len(projection._BLAS) == 1
    made = projection._BLAS[0]
    with projection.one_thread():
        pass
    assert projection._BLAS == [made]  # the same controller: no rescan


def same_label_neighbours(coords: np.ndarray, labels: np.ndarray) -> float:
    """The share of digits whose nearest other digit on the map has their label: how well the clouds separate."""
    d = ((coords[:, None, :] - coords[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    return float((labels[d.argmin(axis=1)] == labels).mean())


@pytest.fixture(scope="module")
def tsne_pixels(digits):
    images, labels = digits
    return projection.tsne_map(None, images[:400], labels[:400], projection.PIXELS)


def test_tsne_is_seeded_and_keeps_neighbours_together_better_than_pca(digits, tsne_pixels):
    images, labels = images_labels = (digits[0][:400], digits[1][:400])
    again = projection.tsne_map(None, images.copy(), labels, projection.PIXELS)
    assert np.array_equal(tsne_pixels.coords, again.coords)  # a rerun gives the same picture
    pca = projection.layer_map(None, *images_labels, projection.PIXELS)
    assert tsne_pixels.projection.explained is None  # no share of the spread to show on its axes
    assert same_label_neighbours(tsne_pixels.coords, labels) > same_label_neighbours(pca.coords, labels) + 0.1


def test_tsne_places_a_digit_among_its_nearest_map_digits(digits, tsne_pixels):
    images = digits[0][:400]
    x = network.flatten(images).astype(np.float64)
    drawn = np.clip(images[3] + 0.3 * np.eye(28, dtype=np.float32), 0, 1)  # a digit not on the map
    nearest = np.argsort(((x - network.flatten(drawn).astype(np.float64)) ** 2).sum(1))[:projection.NEIGHBOURS]
    star = projection.place(None, drawn, tsne_pixels)
    assert np.allclose(star, tsne_pixels.coords[nearest].mean(axis=0))
    both = tsne_pixels.projection(x[[3, 7]])  # many at once, as one at a time
    assert np.allclose(both, [tsne_pixels.projection(x[3]), tsne_pixels.projection(x[7])])


def test_the_cache_keeps_pca_and_tsne_maps_apart(digits):
    images, labels = digits[0][:300], digits[1][:300]
    cache = projection.MapCache()
    net = deep.random_deep_net(deep.WIDTHS[1])
    pca = cache.get(net, images, labels, 1)
    tsne = cache.get(net, images, labels, 1, projection.TSNE_METHOD)
    assert tsne is not pca and tsne.projection.explained is None
    assert cache.get(net, images, labels, 1, projection.TSNE_METHOD) is tsne
    assert cache.get(net, images, labels, 1) is pca
