"""Tests for framework.render: deterministic .dot source, PNG/SVG rendering and icon mapping."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from framework import render as render_mod
from framework.architecture import (
    COMPONENT_KINDS,
    ArchitectureError,
    ArchitectureSpec,
    Component,
    Flow,
    drawn_ends,
    validate,
)
from framework.render import dot_source, icon_file, render

REPO_ROOT = Path(__file__).resolve().parents[2]
TITLE = "ETA test architecture"
# Machine paths that must never leak into committed .dot/.svg files.
ABSOLUTE_PATH = re.compile(r"/work|/tmp|/root|/home|/Users|site-packages|[A-Za-z]:\\")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
INSTALL_HINT = (
    "Graphviz 'dot' is required by the render tests and CI is set, so they may not skip. "
    "Install the OS package graphviz (apt-get install graphviz / brew install graphviz) "
    "and make sure `dot` is on PATH."
)


def require_dot() -> None:
    """Skip when Graphviz `dot` is missing, but fail under CI so rendering is never untested."""
    if render_mod.dot_available():
        return
    if os.environ.get("CI"):
        pytest.fail(INSTALL_HINT)
    pytest.skip("Graphviz 'dot' not on PATH (apt-get install graphviz); set CI=1 to make this fail")


def make_spec() -> ArchitectureSpec:
    """A small valid architecture: source -> compute -> kv_store -> service -> client."""
    return ArchitectureSpec(
        components=[
            Component(id="probes", label="GPS probes", kind="source", group="Offline pipeline"),
            Component(id="aggregate", label="Segment aggregation", kind="compute", group="Offline pipeline"),
            Component(id="segment_kv", label="Segment times", kind="kv_store", group="Online serving", latency_ms=2),
            Component(id="eta_api", label="ETA API", kind="service", group="Online serving", latency_ms=15),
            Component(id="app", label="Maps app", kind="client"),
        ],
        flows=[
            Flow(source="probes", target="aggregate", label="pings"),
            Flow(source="aggregate", target="segment_kv", label="travel times"),
            Flow(source="segment_kv", target="eta_api", label="segment lookup", serving=True),
            Flow(source="eta_api", target="app", label="ETA", serving=True),
        ],
    )


@pytest.fixture(scope="module")
def spec() -> ArchitectureSpec:
    built = make_spec()
    validate(built)  # the fixture itself must be a valid architecture
    return built


@pytest.fixture(scope="module")
def dot_text(spec: ArchitectureSpec) -> str:
    return dot_source(spec, TITLE)


@pytest.fixture(scope="module")
def rendered(spec: ArchitectureSpec, tmp_path_factory: pytest.TempPathFactory) -> Callable[[], dict]:
    """Render once (lazily, from an empty working directory) for all render tests.

    A callable rather than the result, so a missing `dot` under CI is reported as a
    test FAILURE from inside the test, not as a fixture error.
    """
    cache: dict = {}

    def get() -> dict:
        require_dot()
        if not cache:
            cwd = tmp_path_factory.mktemp("cwd")
            out_dir = tmp_path_factory.mktemp("render") / "out"
            with pytest.MonkeyPatch.context() as mp:
                mp.chdir(cwd)
                paths = render(spec, TITLE, out_dir, "architecture")
            cache.update(paths=paths, cwd=cwd, out_dir=out_dir)
        return cache

    return get


def _edge_attrs(dot: str) -> dict[tuple[str, str], str]:
    """(source, target) -> the attribute text of each edge line in the DOT source."""
    return {(m[1], m[2]): m[3] for m in re.finditer(r"^\s*(\w+) -> (\w+) \[(.*)\]$", dot, re.M)}


def _without_data_uris(text: str) -> str:
    # base64 may contain "/tmp"-like runs by chance; only real text can leak paths.
    return re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "data:", text)


# --- dot_source: no Graphviz needed -----------------------------------------------


def test_dot_source_deterministic_within_process(spec: ArchitectureSpec, dot_text: str) -> None:
    assert dot_source(spec, TITLE) == dot_text
    assert dot_source(make_spec(), TITLE) == dot_text


def test_dot_source_identical_across_processes(spec: ArchitectureSpec, dot_text: str) -> None:
    script = (
        "import sys\n"
        "from framework.architecture import ArchitectureSpec\n"
        "from framework.render import dot_source\n"
        "spec = ArchitectureSpec.model_validate_json(sys.stdin.buffer.read())\n"
        "sys.stdout.buffer.write(dot_source(spec, sys.argv[1]).encode('utf-8'))\n"
    )
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", script, TITLE],
            input=spec.model_dump_json().encode("utf-8"),
            capture_output=True,
            cwd=REPO_ROOT,
            env=env,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr.decode()
        assert result.stdout == dot_text.encode("utf-8"), f"dot source differs with PYTHONHASHSEED={seed}"


def test_node_ids_are_component_ids(spec: ArchitectureSpec, dot_text: str) -> None:
    node_ids = re.findall(r"^\s*(\w+) \[label=", dot_text, re.M)
    assert node_ids == [c.id for c in spec.components]
    assert set(_edge_attrs(dot_text)) == {drawn_ends(f.source, f.target, f.serving) for f in spec.flows}
    # Clusters are named after their group, not a random id.
    assert 'subgraph "cluster_Offline pipeline"' in dot_text
    assert 'subgraph "cluster_Online serving"' in dot_text


def test_flow_labels_are_edge_labels(spec: ArchitectureSpec, dot_text: str) -> None:
    edges = _edge_attrs(dot_text)
    for f in spec.flows:
        attrs = edges[drawn_ends(f.source, f.target, f.serving)]
        match = re.search(r'(?<![\w])label=(?:"([^"]*)"|([^\s\]]+))', attrs)
        assert match, f"edge {f.source}->{f.target} has no label: {attrs}"
        assert (match[1] or match[2]) == f.label
        # xlabels are placed after layout, on top of whatever is there; labels get their own room.
        assert "xlabel=" not in attrs


def test_serving_flows_are_styled_differently(spec: ArchitectureSpec, dot_text: str) -> None:
    edges = _edge_attrs(dot_text)
    serving = {edges[(f.target, f.source)] for f in spec.flows if f.serving}  # drawn from caller to callee
    offline = {edges[(f.source, f.target)] for f in spec.flows if not f.serving}
    assert all("style=bold" in a for a in serving)
    assert not any("style=bold" in a for a in offline)


def test_dot_source_has_no_absolute_paths(dot_text: str) -> None:
    assert not ABSOLUTE_PATH.search(dot_text), ABSOLUTE_PATH.search(dot_text)
    images = re.findall(r'SRC="([^"]+)"', dot_text)
    assert len(images) == len(make_spec().components)
    assert all(i.startswith("resources/") and i.endswith(".png") for i in images)


def test_unknown_component_in_flow_is_rejected(spec: ArchitectureSpec) -> None:
    bad = spec.model_copy(update={"flows": [*spec.flows, Flow(source="app", target="ghost")]})
    with pytest.raises(ArchitectureError, match="ghost"):
        dot_source(bad, TITLE)


@pytest.mark.parametrize("kind", COMPONENT_KINDS)
def test_every_kind_has_an_existing_icon(kind: str) -> None:
    assert kind in render_mod.KIND_ICONS, f"add an icon for kind {kind!r} to framework.render.KIND_ICONS"
    path = icon_file(kind)
    assert path.is_absolute() and path.is_file(), f"icon for {kind!r} missing: {path}"
    portable = icon_file(kind, portable=True)
    assert str(portable).startswith("resources/")
    assert path.as_posix().endswith(str(portable))


# --- render: needs Graphviz `dot` ---------------------------------------------------


def test_render_writes_dot_png_svg(rendered: Callable[[], dict], dot_text: str) -> None:
    out = rendered()
    paths = out["paths"]
    assert set(paths) == {"dot", "png", "svg"}
    for fmt, path in paths.items():
        assert path == out["out_dir"] / f"architecture.{fmt}"
    # No temp folder left behind, nothing written to the working directory.
    assert sorted(p.name for p in out["out_dir"].iterdir()) == [
        "architecture.dot",
        "architecture.png",
        "architecture.svg",
    ]
    assert list(out["cwd"].iterdir()) == []
    assert paths["png"].read_bytes()[:8] == PNG_MAGIC
    assert paths["dot"].read_text(encoding="utf-8") == dot_text


def test_render_svg_is_self_contained(rendered: Callable[[], dict], spec: ArchitectureSpec) -> None:
    out = rendered()
    text = out["paths"]["svg"].read_text(encoding="utf-8")
    root = ET.fromstring(text)
    hrefs = [img.get(XLINK_HREF) or img.get("href") for img in root.iter(f"{SVG_NS}image")]
    assert len(hrefs) == len(spec.components)
    assert all(h and h.startswith("data:image/png;base64,") for h in hrefs), [h[:40] for h in hrefs]
    leak = ABSOLUTE_PATH.search(_without_data_uris(text))
    assert not leak, f"SVG contains a machine path near {leak[0]!r}"


def test_render_without_dot_raises_clear_error(
    spec: ArchitectureSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render_mod.shutil, "which", lambda name, *a, **k: None)
    assert render_mod.dot_available() is False
    with pytest.raises(RuntimeError, match=r"apt-get install graphviz"):
        render(spec, TITLE, tmp_path / "out", "architecture")
    assert not (tmp_path / "out").exists()


def test_require_dot_fails_under_ci_and_skips_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_mod, "dot_available", lambda: False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install graphviz"):
        require_dot()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_dot()
