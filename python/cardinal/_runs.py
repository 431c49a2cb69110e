"""The run store as pandas DataFrames: the index `cardinal runs list` reads and the tables runs
wrote, read by the command line's own C++ (the store's index is an SQLite database)."""

import json
import pathlib

from . import _cardinal


def _numbers(values):
    """A column of text as ints or floats (each read exactly, as Python reads it) where every
    non-empty cell is one; None where some cell is not."""
    for kind in (int, float):
        try:
            return [None if v is None or v == "" else kind(v) for v in values]
        except ValueError:
            continue
    return None


def _frame(columns, rows):
    import pandas  # imported on first use: `import cardinal` does not need it

    data = {}
    for j, column in enumerate(columns):
        values = [row[j] for row in rows]
        numbers = _numbers(values)
        data[column] = values if numbers is None else numbers
    return pandas.DataFrame(data, columns=columns)


def runs(store="cardinal-runs", experiment=None):
    """The runs of the store's index (`cardinal runs list`), one row each: run_id, experiment,
    version, variant, command, point and settings (dicts), status, exit_code, directory,
    started, finished, seconds. Raises InvalidInput where `store` holds no index."""
    import pandas

    records = _cardinal.run_records(str(store), experiment or "")
    for record in records:
        record["point"] = json.loads(record["point"])
        record["settings"] = json.loads(record["settings"])
    columns = ["run_id", "experiment", "version", "variant", "command", "point", "settings",
               "status", "exit_code", "directory", "started", "finished", "seconds"]
    return pandas.DataFrame(records, columns=columns)


def run_directory(store, run_id):
    """The directory of run `run_id` of `store` (where its index puts it, else store/run_id)."""
    return pathlib.Path(_cardinal.run_directory(str(store), run_id))


def load_run_table(store, run_id, name):
    """A CSV table run `run_id` wrote, e.g. a lottery run's "summary.csv" (one row per level),
    "level-3/curve.csv" or a prune run's "layers.csv", as a DataFrame (numeric columns as
    numbers)."""
    columns, rows = _cardinal.csv_table(str(run_directory(store, run_id) / name))
    return _frame(columns, rows)


def run_results(store="cardinal-runs", experiment=None):
    """`cardinal runs export`: one row per result row of each run (a lottery run's levels, a
    supermask run's results, a solve run's solution), after the run's id, experiment, variant,
    command, status, seconds and sweep coordinates."""
    columns, rows = _cardinal.results_table(str(store), experiment or "")
    return _frame(columns, rows)
