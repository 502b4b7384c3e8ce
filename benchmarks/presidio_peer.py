"""The peer: presidio-structured analyse + anonymise over a slice of the same DMV data.

Run as a child process, one repetition per process::

    python -m benchmarks.presidio_peer INPUT.csv OUTPUT.csv

Pattern recognizers only, with no model download: spaCy's blank English tokenizer with
lower-cased tokens as lemmas, so in-text context words ("SSN", "license") still boost scores
(route C of research/presidio.md §2). ``TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS`` is emptied so the
e-mail validator never fetches the public-suffix list. What is timed is exactly the
presidio-structured work: ``PandasAnalysisBuilder.generate_analysis`` over every row (its
default) and ``StructuredEngine.anonymize`` with a ``replace`` operator for every entity it
tagged. Reading the CSV, imports and the engine build are excluded (reported as ``setup``),
which favours Presidio. Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time

REPLACEMENT = "<REDACTED>"


def build_analyzer():
    import spacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    class BlankSpacyNlpEngine(SpacyNlpEngine):
        def __init__(self) -> None:
            super().__init__(models=[{"lang_code": "en", "model_name": "blank_en"}])

        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

        def _doc_to_nlp_artifact(self, doc, language):
            artifact = super()._doc_to_nlp_artifact(doc, language)
            artifact.lemmas = [t.lower_ for t in doc]
            artifact.keywords = artifact.set_keywords(self, artifact.lemmas, language)
            return artifact

    return AnalyzerEngine(nlp_engine=BlankSpacyNlpEngine(), supported_languages=["en"])


def main(argv: list[str]) -> int:
    src, dst = argv
    os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
    t0 = time.perf_counter()
    import logging

    import pandas as pd
    from presidio_anonymizer.entities import OperatorConfig
    from presidio_structured import PandasAnalysisBuilder, PandasDataProcessor, StructuredEngine

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    builder = PandasAnalysisBuilder(analyzer=build_analyzer())
    engine = StructuredEngine(data_processor=PandasDataProcessor())
    t1 = time.perf_counter()
    analysis = builder.generate_analysis(df)
    t2 = time.perf_counter()
    out = engine.anonymize(
        df, analysis, operators={"DEFAULT": OperatorConfig("replace", {"new_value": REPLACEMENT})}
    )
    t3 = time.perf_counter()
    out.to_csv(dst, index=False)
    print(
        json.dumps(
            {
                "rows": len(df),
                "seconds": t3 - t1,
                "analyse_seconds": t2 - t1,
                "anonymise_seconds": t3 - t2,
                "setup_seconds": t1 - t0,
                "entity_mapping": dict(analysis.entity_mapping),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
