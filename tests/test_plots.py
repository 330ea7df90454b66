"""mlcore.plots: the numbers its figures are drawn from (bad input is in test_bad_input.py)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import mlcore as m


def test_region_grid_holds_the_centres_of_cells_tiling_the_square():
    points, on_edge = m.plots.region_grid(0.0, 1.0, 4)
    assert points.shape == (16, 2) and on_edge.shape == (16,)
    centres = [0.125, 0.375, 0.625, 0.875]
    np.testing.assert_allclose(points[:5], [[c, 0.125] for c in centres] + [[0.125, 0.375]])   # x₁ fastest
    assert on_edge.sum() == 12 and not on_edge[[5, 6, 9, 10]].any()                            # the ring of 4 × 4
    np.testing.assert_allclose(m.plots.region_grid(-2.0, 2.0, 40)[0].mean(axis=0), [0.0, 0.0], atol=1e-12)


def test_decision_regions_shades_each_cell_with_the_value_at_its_centre():
    points, _ = m.plots.region_grid(0.0, 1.0, 4)
    seen = []
    ax = m.plots.decision_regions(lambda p: seen.append(p.copy()) or (p[:, 0] > 0.5).astype(float), lo=0.0, hi=1.0,
                                  steps=4)
    np.testing.assert_array_equal(seen[0], points)
    image = ax.images[0]
    np.testing.assert_array_equal(image.get_array(), (points[:, 0] > 0.5).reshape(4, 4))
    assert tuple(image.get_extent()) == (0.0, 1.0, 0.0, 1.0)          # 4 cells of 0.25, centred on the points
    assert ax.get_xlim() == (0.0, 1.0) and ax.get_ylim() == (0.0, 1.0)
    plt.close(ax.figure)
