"""Issue 18, start-up: what ``redactor redact`` loads before the first row, asserted on what
is imported and built (the seconds belong in benchmarks/): no pandas in the command-line
process, the same YAML whichever parser reads it, no look-alike table for ASCII names, no
90,000-name table for a header's few words, no platformdirs when the log is given."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from redactor import colnames
from redactor.cli import cli
from redactor.cli.main import PandasHidden, _hides_pandas
from redactor.detect import person_names
from redactor.yaml_load import LOADER, safe_load

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "dmv_drivers.csv"
MAP = ROOT / "field_maps" / "dmv.yaml"
REQUEST = ["--table", "drivers", "--purpose", "civil_immigration_enforcement", "--agency", "ICE"]


def _run_main(tmp_path: Path, args: list[str], after: str = "") -> dict:
    """``redactor ARGS`` through the console entry point in a fresh interpreter; then
    ``after`` runs in the same process; returns what it reports."""
    code = (
        "import json, sys\n"
        f"sys.argv = ['redactor', *{args!r}]\n"
        "from redactor.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code or 0\nelse:\n    code = 0\n"
        "report = {'code': code, 'modules': sorted(m for m in ('pandas', 'platformdirs', "
        "'sqlglot', 'presidio_analyzer', 'numpy.ma') if m in sys.modules)}\n"
        f"{after}\n"
        "print('REPORT' + json.dumps(report))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env,
        cwd=tmp_path,
    )  # fmt: skip
    line = next((x for x in p.stdout.splitlines() if x.startswith("REPORT")), None)
    assert line is not None, p.stderr
    return json.loads(line.removeprefix("REPORT"))


@pytest.mark.parametrize("out_name", ["out.csv", "out.parquet"])
def test_cli_redact_never_imports_pandas(tmp_path: Path, out_name: str):
    out = tmp_path / out_name
    after = (
        "try:\n    import pandas\nexcept ModuleNotFoundError as e:\n"
        "    report['pandas_error'] = str(e)\n"
    )
    args = [str(SAMPLE), "-o", str(out), "--map", str(MAP), *REQUEST, "-q"]
    args += ["--log", str(tmp_path / "l.sqlite3")]
    report = _run_main(tmp_path, ["redact", *args], after)
    assert report["code"] == 0
    assert out.stat().st_size > 0
    # nothing heavy: no pandas (pyarrow runs as if it were absent), no default-log lookup, no
    # NumPy masked arrays (which pa.array(ndarray) imports: the header scrub builds from buffers)
    assert report["modules"] == []
    # pandas cannot come in later and convert differently: it fails, saying why
    assert "command-line process" in report["pandas_error"]


def test_pyarrow_sees_no_pandas_in_the_cli_process_even_after_a_conversion(tmp_path: Path):
    after = (
        "import pyarrow as pa, pyarrow.compute as pc\n"
        "pc.fill_null(pa.array([None, 1]), 0); pa.scalar(1)\n"
        "report['have_pandas'] = pa.lib._pandas_api.have_pandas\n"
    )
    report = _run_main(tmp_path, ["redact", "--help"], after)
    assert report == {"code": 0, "modules": [], "have_pandas": False}


def test_other_commands_and_spark_keep_pandas_importable(tmp_path: Path):
    after = "import pandas\nreport['pandas_ok'] = pandas.DataFrame({'a': [1]}).shape == (1, 1)\n"
    assert _run_main(tmp_path, ["policy", "list"], after)["pandas_ok"] is True
    assert _hides_pandas(["redact", "in.csv", "-o", "o.csv"])
    assert _hides_pandas(["sql", "SELECT 1"]) and _hides_pandas(["export", "--db", "x"])
    for args in (
        ["redact", "in", "-o", "out", "--engine", "spark"],
        ["redact", "in", "-o", "out", "--engine=spark"],
        ["log", "show"],
        ["--version"],
        [],
    ):
        assert not _hides_pandas(args), args


def test_in_process_cli_leaves_pandas_and_the_dataframe_api_alone(tmp_path: Path):
    """CliRunner (tests, embedding) does not go through main(): the process keeps pandas, and
    the Python API with a DataFrame converts as pyarrow normally does."""
    pd = pytest.importorskip("pandas")
    import redactor

    out = tmp_path / "o.csv"
    args = ["redact", str(SAMPLE), "-o", str(out), "--map", str(MAP), *REQUEST, "-q"]
    r = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert not any(isinstance(f, PandasHidden) for f in sys.meta_path)
    df = pd.DataFrame({"c": pd.Categorical(["u", "v"]), "s": ["a", pd.NA]})
    t = pa.Table.from_pandas(df, preserve_index=False)
    assert pa.types.is_dictionary(t.schema.field("c").type) and t.column("s").null_count == 1
    fm = redactor.load_field_map(MAP)
    data = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False).head(20)
    req = redactor.Request(purposes=("civil_immigration_enforcement",), agency="ICE")
    got = redactor.redact_table(data, req, field_map=fm, table_name="drivers")
    assert type(got).__name__ == "DataFrame" and len(got) == 20
    assert "SOC_SEC_NO" not in got.columns and set(got.columns) < set(data.columns)


# --- YAML: libyaml where it reads the same, PyYAML's own loader elsewhere ---------------------


def _typed(x: object) -> object:
    """``x`` with every value's type spelt out (1 == 1.0 == True, but not here)."""
    if isinstance(x, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in x.items()])
    if isinstance(x, list):
        return ("list", [_typed(v) for v in x])
    return (type(x).__name__, repr(x))


def _repo_yaml() -> list[Path]:
    skip = {".venv", "build", "out", ".git", "node_modules"}
    found = [
        p
        for ext in ("*.yaml", "*.yml")
        for p in ROOT.rglob(ext)
        if not skip & set(p.relative_to(ROOT).parts) and ".cache" not in p.parts
    ]
    return sorted(found)


def test_every_yaml_file_in_the_repository_loads_the_same_typed_objects():
    files = _repo_yaml()
    assert len(files) >= 20 and any(p.name == "_recipients.yaml" for p in files)
    for p in files:
        text = p.read_text(encoding="utf-8")
        assert _typed(safe_load(text)) == _typed(yaml.safe_load(text)), p
    # the shipped data takes the fast path (dates, ints and booleans among what is compared)
    if getattr(yaml, "__with_libyaml__", False):
        assert LOADER is yaml.CSafeLoader
        for p in files:
            direct = LOADER(p.read_text(encoding="utf-8"))
            try:
                assert _typed(direct.get_single_data()) == _typed(yaml.safe_load(p.read_text())), p
            finally:
                direct.dispose()


# text where libyaml and PyYAML disagree, found by comparing them: each must read as PyYAML does
DISAGREEING = [
    "a: x\ty\n",  # a tab in a plain scalar: PyYAML refuses it
    "k\t: v\n",
    "!",  # an empty tag: None for PyYAML, '' for libyaml
    "\u2028\ufeffé",  # a byte-order mark after a line separator
    "\ufeff\ufeff,*@",
    ">#]0o7",  # a block scalar header run into a comment
    "a: [1, 2\nb: 3",  # invalid: the message must be PyYAML's wording
    "a: 1\na: &x\n*y",  # invalid: PyYAML's line and column
    "a: b: c",
    "!!python/object/apply:os.system ['echo hi']",  # refused by both, never run
]


@pytest.mark.parametrize("text", DISAGREEING)
def test_text_the_parsers_disagree_on_reads_as_pyyaml_reads_it(text: str):
    assert _outcome(safe_load, text) == _outcome(yaml.safe_load, text)


def _outcome(load, text: str) -> tuple:
    try:
        return ("ok", _typed(load(text)))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        return ("error", type(e).__name__, str(e), (mark.line, mark.column) if mark else None)


_PIECES = [*"ab1: -\n\"'#[]{},&*!|>?%@`.\\\t+=~", "  ", "\n  ", "\n- ", ": ", "2020-01-02",
           "yes", "0x1F", "1e3", "0o7", "null", "<<", "é", "\u00a0", "\u2028", "\ufeff",
           "\x85", "\r\n", "---", "&a ", "*a", "12:30:00", ".inf"]  # fmt: skip


@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=16))
def test_generated_text_reads_as_pyyaml_reads_it(pieces: list[str]):
    text = "".join(pieces)
    assert _outcome(safe_load, text) == _outcome(yaml.safe_load, text)


# --- names: no table is built that the input does not need ------------------------------------


def test_ascii_names_never_build_the_confusables_table():
    colnames._fold_table.cache_clear()
    assert colnames.name_key("  Driver  License_NO ") == "driver license_no"
    assert colnames.read_name("SSN") == "SSN"
    assert colnames._fold_table.cache_info().currsize == 0
    assert colnames.name_key("\u0405\u0405N") == "ssn"  # Cyrillic: the table, as before
    assert colnames._fold_table.cache_info().currsize == 1


def _full_bits(keys: pa.Array) -> list[int]:
    table = person_names._lookup()
    return [table.by_key.get(k, 0) if k is not None else 0 for k in keys.to_pylist()]


def test_a_header_is_scrubbed_without_the_full_name_table():
    person_names._lookup.cache_clear()
    header = pa.array(["Maria Garcia", "SSN", "FRST_NM", "Last Name", "José Smith"], pa.string())
    out = person_names.scrub_names(header).to_pylist()
    assert person_names._lookup.cache_info().currsize == 0
    assert out[0] == "[NAME]" and out[1:4] == ["SSN", "FRST_NM", "Last Name"]


def test_name_bits_from_the_text_equal_the_full_table():
    rng = random.Random(18)
    words = rng.sample(list(person_names._lookup().by_key), 3000)
    words += ["", "A B", "SMITH\nJONES", " SMITH", "MARIA", "DE", "ZZZQX", "O'BRIEN", "SMITH"]
    for n in [0, 1, 5, 64, 65, 300]:
        keys = pa.array([*rng.sample(words, n), None], pa.string())
        person_names._lookup.cache_clear()  # the text path runs only before the table exists
        got = person_names._name_bits(keys).tolist()
        assert got == _full_bits(keys), n
    # many keys, few distinct (hashed once, each distinct one looked up), nulls among them
    big = pa.array([*rng.choices(words, k=person_names._DICT_KEYS + 10), None], pa.string())
    assert person_names._bits(big, person_names._lookup()).tolist() == _full_bits(big)
    # many distinct keys: the Arrow set lookup
    many = rng.sample(list(person_names._lookup().by_key), person_names._DICT_KEYS + 10)
    distinct = pa.array([*many, "ZZZQX", None], pa.string())
    assert person_names._bits(distinct, person_names._lookup()).tolist() == _full_bits(distinct)


def test_commands_that_read_no_data_import_no_arrow_and_no_pydantic(tmp_path: Path):
    after = (
        "report['heavy'] = sorted(m for m in ('pyarrow', 'pydantic', 'yaml', 'numpy') "
        "if m in sys.modules)\n"
    )
    assert _run_main(tmp_path, ["--version"], after) == {"code": 0, "modules": [], "heavy": []}
    config = _run_main(tmp_path, ["config", "show"], after)
    assert config["code"] == 0 and "pyarrow" not in config["heavy"]


def test_requestlog_imports_platformdirs_only_for_the_default_place(tmp_path: Path):
    code = "import sys, redactor.requestlog.log as log\nprint('platformdirs' in sys.modules)\n"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert p.stdout.strip() == "False"


# --- the cyclic garbage collector: off while the command's modules load, then back on ---------


def test_main_defers_the_collector_until_the_command_is_loaded(tmp_path: Path):
    """The imports run without a full collection; what they built is frozen (never walked
    again) and the collector is on again for the command's own work."""
    out = tmp_path / "o.csv"
    args = [str(SAMPLE), "-o", str(out), "--map", str(MAP), *REQUEST, "-q"]
    args += ["--log", str(tmp_path / "l.sqlite3")]
    after = (
        "import gc\n"
        "report['gc'] = [gc.isenabled(), gc.get_freeze_count() > 10_000, "
        "gc.get_stats()[2]['collections']]\n"
        "report['api_frozen'] = 'redactor.api' in sys.modules\n"
    )
    report = _run_main(tmp_path, ["redact", *args], after)
    assert report["code"] == 0 and out.stat().st_size > 0
    assert report["gc"] == [True, True, 0]  # on again, start-up frozen, no full collection
    assert report["api_frozen"]


def test_in_process_cli_leaves_the_collector_alone(tmp_path: Path):
    import gc

    cli_main = sys.modules["redactor.cli.main"]
    frozen = gc.get_freeze_count()
    r = CliRunner().invoke(cli, ["policy", "list"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert cli_main._GC_DEFERRED is False
    cli_main.collect_after_start_up()  # without defer_collection: nothing happens
    assert gc.isenabled() and gc.get_freeze_count() == frozen


@given(
    st.lists(st.integers(-(2**63), 2**63 - 1), max_size=40),
    st.lists(st.booleans(), max_size=70),
    st.integers(0, 3),
)
def test_arrays_built_from_numpy_buffers_equal_pa_array(ints: list[int], bools: list[bool], k: int):
    import numpy as np

    for a in (np.array(ints, np.int64), np.array(bools, bool), np.array(ints, np.int64)[k::2]):
        got = person_names._arrow(a)
        want = pa.array(a)
        assert got.type == want.type and got.equals(want) and got.null_count == 0
    assert person_names._arrow(np.array(bools, bool)[k:]).to_pylist() == bools[k:]
