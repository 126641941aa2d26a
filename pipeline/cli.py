"""The `baocao` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from schemas.errors import BaocaoError, ExitCode, InputError

# Our loggers; third-party ones (PIL, matplotlib, distributed) stay at WARNING even with -v.
_OWN_LOGGERS = ("baocao", "pipeline", "ocr", "parsers", "schemas", "vietnamese")

log = logging.getLogger("baocao")


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def _positive_int(text: str) -> int:
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _dpi(text: str) -> int:
    value = _whole_number(text)
    if not 70 <= value <= 1200:
        raise argparse.ArgumentTypeError(f"DPI must be between 70 and 1200, got {value}")
    return value


def _add_output_options(parser: argparse.ArgumentParser, default: object) -> None:
    # Given before or after the subcommand: the subcommands' copies default to SUPPRESS so that they do
    # not overwrite what was given before the subcommand.
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="baocao's stages with timings"
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="only errors and the summary"
    )
    parser.add_argument(
        "--debug", action="store_true", default=default, help="show the Python traceback of a failure"
    )


def _add_engine_option(parser: argparse.ArgumentParser) -> None:
    from pipeline.engines import DEFAULT_ENGINE, ENGINE_NAMES

    parser.add_argument(
        "--engine",
        choices=ENGINE_NAMES,
        default=DEFAULT_ENGINE,
        help="OCR engine: tesserocr reads in-process (faster), tesseract runs the command line per page "
        "(default: %(default)s)",
    )


def build_parser() -> argparse.ArgumentParser:
    from pipeline.settings import default_jobs

    # argparse's own usage errors exit with 2, ExitCode.BAD_ARGS.
    parser = argparse.ArgumentParser(
        prog="baocao",
        description="Turn scanned Vietnamese administrative reports into validated KPI data (Parquet).",
    )
    parser.add_argument("--version", action="store_true", help="versions of baocao, Tesseract and the models")
    _add_output_options(parser, default=False)
    common = argparse.ArgumentParser(add_help=False)
    _add_output_options(common, default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", parents=[common], help="process files and folders into a Parquet dataset")
    run.add_argument(
        "inputs",
        nargs="+",
        type=Path,
        metavar="INPUT",
        help=".pdf, .png, .jpg, .jpeg, .tif, .tiff or .txt files, or folders (walked recursively)",
    )
    run.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    run.add_argument(
        "--jobs",
        type=_positive_int,
        default=default_jobs(),
        help="worker processes (default: all cores, %(default)s here)",
    )
    run.add_argument("--lang", default="vie", help="Tesseract language (default: %(default)s)")
    _add_engine_option(run)
    run.add_argument("--dpi", type=_dpi, default=300, help="PDF rendering resolution (default: %(default)s)")
    run.add_argument(
        "--ocr-letter-height",
        type=float,
        default=0.0,
        metavar="PX",
        help="reduce text pages to letters PX pixels tall before OCR: faster (18: ~1.3x less Tesseract CPU), "
        "not always as accurate; 0 reads pages at their own size (default)",
    )
    run.add_argument(
        "--force-ocr", action="store_true", help="OCR born-digital PDFs too instead of using their text layer"
    )
    run.add_argument(
        "--restore",
        choices=["auto", "always", "never"],
        default="auto",
        help="diacritic restoration: auto decides per page (default: %(default)s)",
    )
    run.add_argument("--password", help="password for encrypted PDFs")
    run.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run on an existing Dask cluster instead of local processes",
    )
    run.add_argument(
        "--connect-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="give up reaching the --scheduler after this long (default: %(default)s)",
    )
    run.add_argument(
        "--page-timeout",
        type=float,
        default=180.0,
        metavar="SECONDS",
        help="give up on a page whose OCR takes longer (default: %(default)s)",
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="redo documents already in the output (default: skip them by content hash)",
    )

    run.add_argument(
        "--corrections",
        type=Path,
        metavar="FILE",
        help="reviewers' decisions to apply (default: DIR/corrections.csv, when it exists)",
    )

    review = sub.add_parser(
        "review", parents=[common], help="build a static HTML site to check and correct the values"
    )
    review.add_argument("out", type=Path, metavar="OUT", help="the output folder of `baocao run`")
    review.add_argument("--open", action="store_true", help="open the site in the default browser")
    review.add_argument(
        "--corrections",
        type=Path,
        metavar="FILE",
        help="decisions already made, shown in the site (default: OUT/corrections.csv)",
    )

    restore = sub.add_parser(
        "restore", parents=[common], help="restore Vietnamese diacritics of a text file or stdin"
    )
    restore.add_argument("file", nargs="?", type=Path, help="input text (default: stdin)")

    train = sub.add_parser(
        "train-lm", parents=[common], help="train the diacritic-restoration language model"
    )
    train.add_argument("corpus", nargs="+", type=Path, metavar="CORPUS", help="UTF-8 text files or folders")
    train.add_argument("--out", required=True, type=Path, metavar="FILE", help="model file to write")
    train.add_argument("--heldout-out", type=Path, help="write the held-out lines (never trained on) here")
    train.add_argument(
        "--heldout-source",
        type=Path,
        action="append",
        default=[],
        help="a text kept entirely out of training (repeatable)",
    )
    train.add_argument(
        "--domain", type=Path, action="append", default=[], help="report texts to up-weight (repeatable)"
    )
    train.add_argument("--domain-weight", type=int, default=5)
    train.add_argument("--trigram-min-count", type=int, default=1)

    ev = sub.add_parser("eval", parents=[common], help="measure accuracy on samples with ground truth")
    ev.add_argument("samples", type=Path, metavar="SAMPLES_DIR")
    ev.add_argument(
        "--out",
        type=Path,
        default=Path("out/eval"),
        metavar="DIR",
        help="where eval.json and the chart go (default: %(default)s)",
    )
    ev.add_argument(
        "--baseline", type=Path, default=None, help="baseline file (default: SAMPLES_DIR/baseline.json)"
    )
    ev.add_argument("--update-baseline", action="store_true", help="rewrite the baseline with these figures")
    ev.add_argument("--no-gate", action="store_true", help="report only; do not fail on regressions")
    ev.add_argument(
        "--wordings",
        type=Path,
        default=None,
        metavar="DIR",
        help="also score the wording corpus in DIR (each of its parts apart)",
    )
    ev.add_argument("--jobs", type=_positive_int, default=default_jobs())
    _add_engine_option(ev)
    return parser


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s", stream=sys.stderr)
    for name in _OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)


def _cmd_run(args: argparse.Namespace) -> int:
    from pipeline.run import format_summary, run_batch
    from pipeline.settings import RunSettings

    settings = RunSettings(
        lang=args.lang,
        dpi=args.dpi,
        force_ocr=args.force_ocr,
        restore=args.restore,
        password=args.password,
        jobs=args.jobs,
        page_timeout=args.page_timeout,
        force=args.force,
        scheduler=args.scheduler,
        connect_timeout=args.connect_timeout,
        ocr_letter_height=args.ocr_letter_height,
        engine=args.engine,
    )
    summary = run_batch(args.inputs, args.out, settings, corrections=args.corrections)
    print(format_summary(summary, stage_times=args.verbose))
    if summary.rows:
        print(f"output: {args.out}/{{reports,kpis,pages,problems,kpi_panel}}.parquet")
    return summary.exit_code


def _cmd_review(args: argparse.Namespace) -> int:
    from pipeline.review import build_review_site

    index = build_review_site(args.out, corrections=args.corrections)
    print(f"review site: {index}")
    print(f"save the corrections it downloads as {args.corrections or args.out / 'corrections.csv'}")
    if args.open:
        import webbrowser

        webbrowser.open(index.resolve().as_uri())
    return ExitCode.OK


def _cmd_restore(args: argparse.Namespace) -> int:
    from ocr.restore import restore_diacritics
    from pipeline.legacy_text import decode_vietnamese_text

    if args.file is None:
        data = sys.stdin.buffer.read()
    else:
        try:
            data = args.file.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {args.file}: {exc.strerror}; check the path") from None
    text, _encoding = decode_vietnamese_text(data)
    lines = text.split("\n")
    restored = restore_diacritics(text).split("\n")
    if len(restored) != len(lines):  # the contract is one output line per input line
        raise BaocaoError(f"restoration changed the line count ({len(lines)} → {len(restored)})")
    sys.stdout.write("\n".join(restored))
    return ExitCode.OK


def _cmd_train_lm(args: argparse.Namespace) -> int:
    from ocr.restore import train_language_model

    files: list[Path] = []
    for c in args.corpus:
        if not c.exists():
            raise InputError(f"no such corpus file or folder: {c}; check the path")
        files.extend(sorted(c.rglob("*.txt")) if c.is_dir() else [c])
    stats = train_language_model(
        files,
        args.out,
        heldout_out=args.heldout_out,
        heldout_sources=args.heldout_source,
        domain_corpus=args.domain,
        domain_weight=args.domain_weight,
        trigram_min_count=args.trigram_min_count,
    )
    for k, v in stats.items():
        print(f"{k}: {v}")
    return ExitCode.OK


def _cmd_eval(args: argparse.Namespace) -> int:
    from pipeline.evaluate import run_eval_command

    return run_eval_command(args)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from pipeline.versions import version_lines

        print("\n".join(version_lines()))
        return ExitCode.OK
    if args.command is None:
        parser.error("a COMMAND is required (run, restore, train-lm, eval); see baocao --help")
    _configure_logging(args.verbose, args.quiet)
    commands = {
        "run": _cmd_run,
        "review": _cmd_review,
        "restore": _cmd_restore,
        "train-lm": _cmd_train_lm,
        "eval": _cmd_eval,
    }
    try:
        return commands[args.command](args)
    except BaocaoError as exc:
        log.error("%s", exc, exc_info=args.debug)
        return exc.exit_code
    except KeyboardInterrupt:
        log.error("interrupted: finished documents are kept; run the same command again to complete")
        return ExitCode.INTERRUPTED
    except Exception as exc:  # a bug: one line for the operator, the traceback with --debug
        if args.debug:
            raise
        log.error(
            "internal error: %s: %s. Run the same command with --debug for the details and report them",
            type(exc).__name__,
            exc,
        )
        return ExitCode.INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
