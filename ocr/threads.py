"""One thread per worker process for the native libraries the OCR stages call.

baocao's parallelism comes from worker processes, one per core. Tesseract (OpenMP) and OpenCV (its own
thread pool) would otherwise each start a thread per core inside every worker, and the threads of the
workers would fight for the same cores (the reason OCRmyPDF sets OMP_THREAD_LIMIT too). ocr/tesseract.py
also sets the Tesseract limit on every call, for callers outside the pipeline.
"""

from __future__ import annotations

import os

__all__ = ["single_threaded"]


def single_threaded() -> None:
    """Limit Tesseract and OpenCV to one thread in this process (idempotent, cheap)."""
    # pytesseract passes os.environ to each Tesseract child, so this is how the limit reaches it.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import cv2

    if cv2.getNumThreads() != 1:
        cv2.setNumThreads(1)
