"""One exception class per failure kind, each with a problem code and a process exit code.

Stages raise these; the pipeline turns them into rows of problems.parquet and keeps going.
Messages say what went wrong and what to do about it.
"""

from __future__ import annotations


class ExitCode:
    OK = 0
    SOME_INPUTS_FAILED = 3
    BAD_ARGS = 2
    MISSING_DEPENDENCY = 4
    OUTPUT_ERROR = 5
    SCHEDULER_UNREACHABLE = 6
    INTERNAL_ERROR = 70  # a bug (sysexits' EX_SOFTWARE): the message asks for --debug and a report
    INTERRUPTED = 130


class BaocaoError(Exception):
    """Base class: `code` is the problems.parquet code, `exit_code` what the CLI returns."""

    code = "error"
    exit_code = ExitCode.SOME_INPUTS_FAILED


class InputError(BaocaoError):
    """A single input cannot be processed; the batch goes on."""

    code = "input.unreadable"


class UnsupportedInputError(InputError):
    code = "input.unsupported"


class EmptyInputError(InputError):
    code = "input.empty"


class MislabelledInputError(InputError):
    code = "input.mislabelled"


class CorruptPdfError(InputError):
    code = "pdf.corrupt"


class EncryptedPdfError(InputError):
    code = "pdf.encrypted"


class ZeroPagePdfError(InputError):
    code = "pdf.no_pages"


class CorruptImageError(InputError):
    code = "image.corrupt"


class PageTooLargeError(InputError):
    code = "page.too_large"


class OcrTimeoutError(InputError):
    code = "ocr.timeout"


class OcrFailedError(InputError):
    code = "ocr.failed"


class TextDecodeError(InputError):
    code = "text.undecodable"


class TextTooLargeError(InputError):
    """A .txt over BAOCAO_MAX_TEXT_BYTES: decoding it whole would not fit a worker's memory budget."""

    code = "text.too_large"


class SettingsError(BaocaoError):
    """A setting (option or environment variable) has a value that cannot be used."""

    code = "settings.invalid"
    exit_code = ExitCode.BAD_ARGS


class MissingDependencyError(BaocaoError):
    """An external program (tesseract, pdftoppm) or language pack is missing: nothing can run."""

    code = "dependency.missing"
    exit_code = ExitCode.MISSING_DEPENDENCY


class NoDatasetError(BaocaoError):
    """A command that reads an output folder was given one without the Parquet tables."""

    code = "output.missing"
    exit_code = ExitCode.BAD_ARGS


class OutputError(BaocaoError):
    code = "output.failed"
    exit_code = ExitCode.OUTPUT_ERROR


class SchedulerUnreachableError(BaocaoError):
    """The Dask scheduler named by --scheduler did not answer: nothing was processed."""

    code = "scheduler.unreachable"
    exit_code = ExitCode.SCHEDULER_UNREACHABLE


class WorkerCrashedError(InputError):
    code = "worker.crashed"
