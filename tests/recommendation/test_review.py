"""Findings of the default-scale review: cleaning reconciles, slices show both CF models, reach is discussed."""

from __future__ import annotations

from cases.recommendation.step_testing import EDGE_SLICE, REACH_SLICE, runner_up


def test_cleaning_counts_reconcile_with_injected_mess(small_run):
    d = small_run.records["data"].summary
    assert d["bad_json_lines"] == d["bad_json_injected"] + d["duplicated_bad_json"]
    assert d["bad_timestamps"] == (
        d["bad_timestamps_injected"] - d["bad_timestamps_in_bad_json"] + d["duplicated_bad_timestamps"]
    )
    assert (
        d["duplicates_removed"] == d["duplicates_injected"] - d["duplicated_bad_json"] - d["duplicated_bad_timestamps"]
    )
    assert d["unknown_users"] + d["unknown_songs"] == d["unknown_ids_injected"] - d["unknown_ids_in_broken_lines"]
    assert f"{d['bad_json_lines']:,} found" in d["cleaning_reconciliation"]


def test_slices_show_every_personalised_model(small_run):
    testing, ladder = small_run.records["testing"], small_run.records["models"]
    for table in ("train clicks per user", "cold vs warm"):
        row = next(iter(testing.slices[table].values()))
        assert {"ndcg_item_cf", "ndcg_als", f"ndcg_{ladder.baseline}"} <= set(row)


def test_accuracy_vs_reach_tables_match_the_ladder(small_run):
    testing, ladder = small_run.records["testing"], small_run.records["models"]
    rival = runner_up(ladder)
    reach, edge = testing.slices[REACH_SLICE], testing.slices[EDGE_SLICE]["deployed minus runner-up"]
    assert reach["deployed"]["catalog_coverage_at_10"] == ladder.models[ladder.best]["catalog_coverage_at_10"]
    assert reach["runner-up"]["catalog_coverage_at_10"] == ladder.models[rival]["catalog_coverage_at_10"]
    diff = next(c for c in ladder.comparisons if c.model == rival)
    assert edge["difference"] == -diff.difference and edge["ci_95_low"] <= edge["difference"] <= edge["ci_95_high"]
