"""The reference approach: Presidio's own Spark sample, applied to privlake's free-text columns.

Presidio's sample (microsoft/presidio, ``docs/samples/deployments/spark``) anonymizes a
text column with a pandas UDF whose body calls ``AnalyzerEngine.analyze`` and then
``AnonymizerEngine.anonymize`` for one row at a time (``Series.apply``), with Presidio's
default recognizers, a spaCy NLP engine and a ``replace`` operator. This module does
the same, with three differences that are neutral or in the sample's favour:

* the engines are built once per Python worker instead of being broadcast from the
  driver (a broadcast pickles the spaCy model; the per-worker copy is the same object
  the sample ends up using, minus the transfer);
* the spaCy model is the one privlake's config names (``deidentify.spacy_model``), not
  the sample's larger ``en_core_web_lg``;
* tldextract, which Presidio's e-mail recognizer calls, uses its bundled suffix list,
  because Python workers have no network (the default would try to download it).

A missing value stays missing (the sample would fail on it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd  # at run time: pandas_udf reads the type hints of the function it wraps

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine
    from presidio_anonymizer import AnonymizerEngine
    from pyspark.sql import Column, DataFrame

LANGUAGE = "en"
REPLACEMENT = "<ANONYMIZED>"

_ENGINES: dict[str, tuple[AnalyzerEngine, AnonymizerEngine]] = {}


def _use_bundled_suffix_list() -> None:
    import tldextract.tldextract

    from anonymizers.recognizers.email_recognizer import offline_tld_extractor

    tldextract.tldextract.TLD_EXTRACTOR = offline_tld_extractor()


def presidio_engines(spacy_model: str) -> tuple[AnalyzerEngine, AnonymizerEngine]:
    """Presidio's default analyzer (spaCy NER on ``spacy_model``) and anonymizer, per process."""
    if spacy_model not in _ENGINES:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
        from presidio_anonymizer import AnonymizerEngine

        _use_bundled_suffix_list()
        nlp_engine = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": LANGUAGE, "model_name": spacy_model}],
            }
        ).create_engine()
        analyzer = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=[LANGUAGE])
        _ENGINES[spacy_model] = (analyzer, AnonymizerEngine())
    return _ENGINES[spacy_model]


def anonymize_text(text: str | None, spacy_model: str) -> str | None:
    """One row, as the sample's ``anonymize_text``: analyze, then anonymize with ``replace``."""
    if text is None:
        return None
    from presidio_anonymizer.entities import OperatorConfig

    analyzer, anonymizer = presidio_engines(spacy_model)
    results = analyzer.analyze(text=text, language=LANGUAGE)
    return anonymizer.anonymize(
        text=text,
        analyzer_results=results,  # type: ignore[arg-type]
        operators={"DEFAULT": OperatorConfig("replace", {"new_value": REPLACEMENT})},
    ).text


def anonymize_column(column: str, spacy_model: str) -> Column:
    """The sample's pandas UDF applied to ``column``: ``Series.apply`` of ``anonymize_text``."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    def anonymize_series(texts: pd.Series) -> pd.Series:
        return texts.apply(lambda text: anonymize_text(None if text is None else str(text), spacy_model))

    udf = F.pandas_udf(anonymize_series, returnType=StringType())  # type: ignore[call-overload]
    return udf(F.col(column))


def anonymize_free_text(df: DataFrame, columns: tuple[str, ...], spacy_model: str) -> DataFrame:
    """``df`` with each of ``columns`` replaced by the sample's anonymized text."""
    for column in columns:
        df = df.withColumn(column, anonymize_column(column, spacy_model))
    return df
