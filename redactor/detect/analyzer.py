"""An offline presidio-analyzer: no model download, no network attempt.

A bare ``AnalyzerEngine()`` asks spaCy to download ``en_core_web_lg`` and its e-mail validator
asks tldextract to fetch the Public Suffix List. Here the NLP engine is spaCy's blank English
tokenizer with lower-cased tokens as lemmas (research note, route C), so in-text context words
still work; context matching is whole-word (so "lic" in "duplicate" does not boost a
licence); and ``TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS`` is emptied before Presidio is imported,
so tldextract uses its bundled snapshot.

With ``spacy_model`` (or ``REDACTOR_SPACY_MODEL``) naming a model that is *already installed*
(a package name or a folder), the stock spaCy engine is used instead and PERSON/LOCATION
entities become available. A name that is not installed is an error, never a download.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""  # invariant 6: never fetch

from redactor.errors import UsageError

# Presidio entities the pattern-only engine may report, restricted to what helps us.
PATTERN_ENTITIES = (
    "US_SSN",
    "US_ITIN",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "DATE_TIME",
    "US_DRIVER_LICENSE",
    "US_A_NUMBER",
    "US_SSN_VALIDATED",
    "US_ITIN_VALIDATED",
    "US_STATE_DL",
    "US_STREET_ADDRESS",
    "IMMIGRATION_STATUS",
    "STATUS_PROXY",
)


def _blank_engine():
    import spacy
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    class BlankSpacyNlpEngine(SpacyNlpEngine):
        """spaCy's blank English tokenizer; lower-cased tokens stand in for lemmas."""

        def __init__(self) -> None:
            super().__init__(models=[{"lang_code": "en", "model_name": "blank_en"}])

        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

        def _doc_to_nlp_artifact(self, doc, language):
            artifact = super()._doc_to_nlp_artifact(doc, language)
            artifact.lemmas = [t.lower_ for t in doc]
            # keywords are derived from lemmas in NlpArtifacts.__init__: recompute them.
            artifact.keywords = artifact.set_keywords(self, artifact.lemmas, language)
            return artifact

    engine = BlankSpacyNlpEngine()
    engine.load()
    return engine


def _model_engine(model: str):
    import spacy.util
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    if not (spacy.util.is_package(model) or Path(model).is_dir()):
        raise UsageError(
            f"spaCy model {model!r} is not installed (REDACTOR_SPACY_MODEL)",
            hint="install the model package yourself (see docs/detection.md) or unset "
            "REDACTOR_SPACY_MODEL; redactor never downloads models",
        )
    return NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": model}],
            "ner_model_configuration": {
                "labels_to_ignore": [
                    "ORG",
                    "ORGANIZATION",
                    "CARDINAL",
                    "ORDINAL",
                    "QUANTITY",
                    "MONEY",
                    "PERCENT",
                    "WORK_OF_ART",
                    "PRODUCT",
                    "LAW",
                    "LANGUAGE",
                    "EVENT",
                ],
            },
        }
    ).create_engine()


@lru_cache(maxsize=2)
def build_analyzer(spacy_model: str | None = None):
    """A cached offline ``AnalyzerEngine`` with Presidio's and the project's recognizers."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    from redactor.detect.recognizers import project_recognizers

    nlp = _model_engine(spacy_model) if spacy_model else _blank_engine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp)
    for rec in project_recognizers():
        registry.add_recognizer(rec)
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp,
        supported_languages=["en"],
        context_aware_enhancer=LemmaContextAwareEnhancer(context_matching_mode="whole_word"),
    )
