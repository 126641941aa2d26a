"""Vietnamese text basics that ocr/, parsers/ and pipeline/ all stand on: the alphabet and its marks,
accent folding, and syllable spelling. One home for each, so the OCR side and the parser side cannot drift
apart. Imports nothing from the project."""
