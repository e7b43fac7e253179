"""Diagrams checked from Graphviz's own layout: no label on a box or another label, no edge ending in empty space."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from framework.architecture import latency_budget
from framework.layoutcheck import MIN_TEXT_PX, REPORT_FIGURE_PX, read_layout
from framework.registry import all_cases
from framework.render import KIND_ICONS, VIEWS, _build, icon_file
from framework.whiteboard import MAX_BOXES, whiteboard

CASES = all_cases()
# The backgrounds icons sit on: the clusters' light blue and the page's white.
BACKGROUNDS = {"cluster": (0xE5, 0xF5, 0xFD), "page": (0xFF, 0xFF, 0xFF)}


def layout_of(graph) -> object:
    return read_layout(graph.pipe(format="json", quiet=True))


DRAWINGS = [(c.name, v) for c in CASES for v in VIEWS]


@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("layout")
    return {
        (c.name, v): layout_of(_build(c.design.architecture, c.design.title, folder / c.name, portable=False, view=v))
        for c in CASES
        for v in VIEWS
    }


@pytest.mark.parametrize("drawing", DRAWINGS, ids=lambda d: "-".join(d))
def test_no_edge_label_sits_on_a_box_or_another_label(layouts, drawing):
    assert layouts[drawing].problems() == []


@pytest.mark.parametrize("drawing", DRAWINGS, ids=lambda d: "-".join(d))
def test_every_edge_joins_two_visible_components(layouts, drawing):
    name, view = drawing
    layout = layouts[drawing]
    assert layout.dangling() == []
    spec = next(c for c in CASES if c.name == name).design.architecture
    expected = (
        {(f.target, f.source) if f.serving else (f.source, f.target) for f in spec.flows}
        if view == "full"
        else {(f.source, f.target) for f in whiteboard(spec).flows}
    )
    assert {(e.tail, e.head) for e in layout.edges} == expected


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_whiteboard_text_is_readable_at_the_reports_width(layouts, name):
    layout = layouts[(name, "whiteboard")]
    assert layout.text_px(REPORT_FIGURE_PX) >= MIN_TEXT_PX, f"{layout.width_pt:.0f} pt wide"


def test_the_text_check_sees_a_drawing_too_wide_to_read(layouts):
    assert layouts[("eta", "full")].text_px(REPORT_FIGURE_PX) < MIN_TEXT_PX


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_whiteboard_holds_the_serving_path_and_a_closed_training_loop(case):
    import networkx as nx

    spec = case.design.architecture
    board = whiteboard(spec)
    ids = {c.id for c in board.components}
    assert len(ids) <= MAX_BOXES
    path, _ = latency_budget(spec)
    assert set(path) <= ids
    serving = [f for f in board.flows if f.serving]
    assert [f.tag for f in serving] == [str(i) for i in range(1, len(path))]
    assert serving[0].source == path[-1], "the request starts at the client"
    offline = [f for f in board.flows if not f.serving]
    assert [f.tag for f in offline] == [chr(ord("A") + i) for i in range(len(offline))]
    drawn = nx.DiGraph([(f.source, f.target) for f in offline])
    training = [c.id for c in board.components if c.kind == "training"]
    assert training, "the whiteboard shows where the model is trained"
    # Closed loop: from the serving side back to training, and from training to serving.
    assert any(n in drawn and nx.has_path(drawn, n, training[0]) for n in path)
    assert any(n in drawn and nx.has_path(drawn, training[0], n) for n in path)


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
