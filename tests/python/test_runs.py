"""The run store as DataFrames: cardinal.runs, cardinal.run_results and cardinal.load_run_table
against `cardinal runs show` / `cardinal runs export` and the files the runs wrote."""

import csv
import json

import pytest

pandas = pytest.importorskip("pandas", reason="python3-pandas is not installed")

import cardinal
from conftest import run_cardinal


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("store")
    run_cardinal("experiment", "run", "convex-smoke", "--store", root)
    return root


def test_runs_lists_the_index(store):
    frame = cardinal.runs(store)
    assert len(frame) == 4
    assert set(frame["status"]) == {"done"}
    assert set(frame["command"]) == {"solve"}
    for record in frame.itertuples():
        shown = run_cardinal("runs", "show", record.run_id, "--store", store).stdout
        expected = json.loads(shown[: shown.index("\n}\n") + 2])
        assert record.settings == expected["settings"]
        assert record.point == expected["point"]
        assert record.directory == expected["directory"]
        assert record.seconds == expected["seconds"]
    assert len(cardinal.runs(store, experiment="no-such-experiment")) == 0


def test_run_results_is_runs_export(store, tmp_path):
    run_cardinal("runs", "export", "--store", store, "--output", tmp_path / "all.csv")
    with open(tmp_path / "all.csv", newline="") as f:
        rows = list(csv.reader(f))
    frame = cardinal.run_results(store)
    assert list(frame.columns) == rows[0]
    assert len(frame) == len(rows) - 1
    exported = pandas.read_csv(tmp_path / "all.csv", float_precision="round_trip")
    for column in ("run_id", "objective", "support_size"):
        if column in exported.columns:
            assert list(frame[column]) == list(exported[column]), column


def test_load_run_table_reads_what_the_run_wrote(store):
    run_id = cardinal.runs(store)["run_id"][0]
    directory = cardinal.run_directory(store, run_id)
    # A run of an experiment keeps its command's files under output/.
    table = cardinal.load_run_table(store, run_id, "output/trace.csv")
    expected = pandas.read_csv(directory / "output/trace.csv", float_precision="round_trip")
    assert list(table.columns) == list(expected.columns)
    assert table["objective"].dtype == float
    assert list(table["objective"]) == list(expected["objective"])  # exact: the text read once


def test_store_errors(tmp_path, store):
    with pytest.raises(cardinal.InvalidInput, match="no run store at"):
        cardinal.runs(tmp_path)
    with pytest.raises(cardinal.InvalidInput, match="no run 'nosuch'"):
        cardinal.load_run_table(store, "nosuch", "trace.csv")
    run_id = cardinal.runs(store)["run_id"][0]
    with pytest.raises(cardinal.InvalidInput, match="missing.csv"):
        cardinal.load_run_table(store, run_id, "missing.csv")
