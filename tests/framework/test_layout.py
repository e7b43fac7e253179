"""Diagrams checked from Graphviz's own layout: no label on a box or another label, no edge ending in empty space."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from framework.layoutcheck import read_layout
from framework.registry import all_cases
from framework.render import KIND_ICONS, _build, icon_file

CASES = all_cases()
# The backgrounds icons sit on: the clusters' light blue and the page's white.
BACKGROUNDS = {"cluster": (0xE5, 0xF5, 0xFD), "page": (0xFF, 0xFF, 0xFF)}


def layout_of(graph) -> object:
    return read_layout(graph.pipe(format="json", quiet=True))


@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("layout")
    return {
        c.name: layout_of(_build(c.design.architecture, c.design.title, folder / c.name, portable=False)) for c in CASES
    }


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_no_edge_label_sits_on_a_box_or_another_label(layouts, name):
    assert layouts[name].problems() == []


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_every_edge_joins_two_visible_components(layouts, name):
    layout = layouts[name]
    assert layout.dangling() == []
    spec = next(c for c in CASES if c.name == name).design.architecture
    assert {(e.tail, e.head) for e in layout.edges} == {(f.source, f.target) for f in spec.flows}


def test_labels_placed_after_layout_fail_the_check():
    """The old way (xlabels forced onto ortho lines between crowded boxes) puts words on boxes: the check sees it."""
    import graphviz

    graph = graphviz.Digraph(
        graph_attr={"rankdir": "LR", "splines": "ortho", "forcelabels": "true", "ranksep": "0.1", "nodesep": "0.05"}
    )
    for name in "abc":
        graph.node(name, label=f"component {name}", shape="box")
    graph.edge("a", "b", xlabel="a long flow label that cannot fit")
    graph.edge("a", "c", xlabel="another long flow label")
    problems = layout_of(graph).problems()
    assert "edge label 'a long flow label that cannot fit' overlaps node 'a'" in problems


def test_edges_to_a_cluster_or_an_invisible_point_are_dangling(tmp_path):
    import graphviz

    graph = graphviz.Digraph(graph_attr={"compound": "true"})
    with graph.subgraph(name="cluster_batch") as batch:
        batch.node("job", label="batch job", shape="box")
    graph.node("app", label="app", shape="box")
    graph.node("nowhere", shape="point")
    graph.edge("app", "job", lhead="cluster_batch")
    graph.edge("nowhere", "app")
    found = layout_of(graph).dangling()
    assert any("ends at a cluster" in p for p in found), found
    assert any("'nowhere', which is not a visible component" in p for p in found), found


def _lost_share(icon: Path, background: tuple[int, int, int]) -> float:
    """Share of an icon's opaque pixels that melt into ``background`` at the icon's outer edge."""

    def luminance(rgb: np.ndarray) -> np.ndarray:
        c = rgb / 255.0
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return c @ np.array([0.2126, 0.7152, 0.0722])

    pixels = np.asarray(Image.open(icon).convert("RGBA"), dtype=float)
    opaque = pixels[..., 3] > 128
    lum, bg = luminance(pixels[..., :3]), luminance(np.array(background, dtype=float))
    contrast = (np.maximum(lum, bg) + 0.05) / (np.minimum(lum, bg) + 0.05)
    faint = opaque & (contrast < 1.25)
    # Faint pixels enclosed by a coloured shape (white text on a green hexagon) stay readable;
    # faint pixels reachable from outside the icon are drawn straight onto the background.
    labels, _ = ndimage.label(~opaque | faint)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    reached = np.isin(labels, border[border > 0]) & faint
    return float(reached.sum() / opaque.sum())


@pytest.mark.parametrize("kind", sorted(KIND_ICONS))
@pytest.mark.parametrize("where", sorted(BACKGROUNDS))
def test_icons_keep_their_colours_on_their_background(kind, where):
    assert _lost_share(icon_file(kind), BACKGROUNDS[where]) <= 0.02


def test_the_contrast_check_sees_white_letters_on_light_blue():
    import diagrams.onprem.mlops as mlops

    cls = mlops.Mlflow
    icon = Path(icon_file("registry")).parents[2] / cls._icon_dir.removeprefix("resources/") / cls._icon
    assert _lost_share(icon, BACKGROUNDS["cluster"]) > 0.1
