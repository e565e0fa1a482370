"""The query sandbox of ``privlake sql``: what an analyst's statement may be, allowed by kind.

A statement runs only if every node of its parsed plan is a query node (SELECT, WITH,
VALUES, set operations, joins, windows, ...) or it is one of a few read-only commands (SHOW,
DESCRIBE, EXPLAIN of a query) over the registered zones; everything else (writes, DDL,
SET, CACHE, ADD JAR, CALL, EXECUTE IMMEDIATE, scripts, Delta's OPTIMIZE/VACUUM/RESTORE, ...)
is refused by what it is, not matched against a list of known-bad statements. Tables are
named, never read by path, without time travel or read options; table functions come from a
short allow list. Functions that reach the JVM, the environment or the file system are
refused twice: by name in the parsed plan (before the analyzer can evaluate anything) and by
expression class in the analyzed plan, so an alias, ``IDENTIFIER('reflect')``, a lambda, a
subquery or a CTE cannot slip one through. The analyzed plan may read only the registered
tables. Each refusal is one line saying what was refused and why.

Spark plans are walked over py4j; node kinds are compared by class name so that Delta's
commands (loaded by another class loader) are recognised the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from privlake.errors import BadInputError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# Settings of the analyst session. SET is refused, so a statement cannot turn them back on.
SANDBOX_CONF: dict[str, str] = {
    # No `parquet.`/path`` or `delta.`/path`` reads: tables are reached by name only.
    "spark.sql.runSQLOnFiles": "false",
    # Spark substitutes ${env:VAR}, ${system:prop} and ${spark:conf} in the SQL text before
    # parsing, which would print the environment (the key) and the conf (S3 secrets).
    "spark.sql.variable.substitute": "false",
}

# Parsed-plan nodes a query is made of. Anything else in a statement refuses it.
QUERY_NODES = frozenset(
    {
        "Aggregate",
        "CTERelationDef",
        "CTERelationRef",
        "Deduplicate",
        "Distinct",
        "Except",
        "Filter",
        "Generate",
        "GlobalLimit",
        "Intersect",
        "Join",
        "LateralJoin",
        "LocalLimit",
        "LocalRelation",
        "Offset",
        "OneRowRelation",
        "PipeOperator",
        "Pivot",
        "PlanWithUnresolvedIdentifier",
        "Project",
        "Repartition",
        "RepartitionByExpression",
        "Sample",
        "Sort",
        "SubqueryAlias",
        "Tail",
        "Union",
        "Unpivot",
        "UnresolvedHaving",
        "UnresolvedHint",
        "UnresolvedInlineTable",
        "UnresolvedRelation",
        "UnresolvedSubqueryColumnAliases",
        "UnresolvedTVFAliases",
        "UnresolvedTableValuedFunction",
        "UnresolvedWith",
        "Window",
        "WithCTE",
        "WithWindowDefinition",
    }
)

# Read-only commands, allowed at the top of a statement; their targets must be registered.
CATALOG_COMMANDS = frozenset(
    {
        "DescribeColumn",
        "DescribeFunction",
        "DescribeNamespace",
        "DescribeRelation",
        "ShowCatalogsCommand",
        "ShowColumns",
        "ShowCreateTable",
        "ShowCurrentNamespaceCommand",
        "ShowFunctions",
        "ShowNamespaces",
        "ShowNamespacesCommand",
        "ShowPartitions",
        "ShowTableProperties",
        "ShowTables",
        "ShowTablesExtended",
        "ShowViews",
    }
)
# What the catalog commands point at (a table, a database, a function name).
COMMAND_TARGETS = frozenset(
    {
        "CurrentNamespace",
        "UnresolvedFunctionName",
        "UnresolvedNamespace",
        "UnresolvedTable",
        "UnresolvedTableOrView",
    }
)
# Commands that wrap a query: the query is checked like a top-level one, and only a query.
# EXPLAIN of a write would not execute it, but an analyst never needs one, so it is refused.
QUERY_COMMANDS = {"ExplainCommand": "logicalPlan", "DescribeQueryCommand": "plan"}

# Why some refused nodes are refused, where the class name alone does not say it.
NODE_REASONS = {
    "InsertIntoDir": "INSERT ... DIRECTORY writes files",
    "InsertIntoStatement": "INSERT writes to a table",
    "RelationTimeTravel": "time travel (VERSION/TIMESTAMP AS OF) reads old versions, which may "
    "still hold rows an erasure removed",
    "CompoundBody": "SQL scripts (BEGIN ... END) run several statements",
    "UnresolvedExecuteImmediate": "EXECUTE IMMEDIATE runs a statement built at run time",
}

# Table-valued functions an analyst may use: they only compute from their arguments.
ALLOWED_TABLE_FUNCTIONS = frozenset(
    {
        "collations",
        "explode",
        "explode_outer",
        "inline",
        "inline_outer",
        "json_tuple",
        "posexplode",
        "posexplode_outer",
        "range",
        "sql_keywords",
        "stack",
        "variant_explode",
        "variant_explode_outer",
    }
)

_JVM = "calls Java methods in the query's JVM (it can read the environment, e.g. the pseudonym key)"
_DESCRIPTOR = "reads a schema or descriptor file from the file system"
# Functions refused by name in the parsed plan, and the reason.
DENIED_FUNCTIONS: dict[str, str] = {
    "reflect": _JVM,
    "java_method": _JVM,
    "try_reflect": _JVM,
    "from_protobuf": _DESCRIPTOR,
    "to_protobuf": _DESCRIPTOR,
    "from_avro": _DESCRIPTOR,
    "to_avro": _DESCRIPTOR,
    "schema_of_avro": _DESCRIPTOR,
    "current_user": "reads the operating-system user of the query's JVM",
    "session_user": "reads the operating-system user of the query's JVM",
    "user": "reads the operating-system user of the query's JVM",
}
# The same, by the expression class the analyzer resolves them to (whatever they were called).
DENIED_EXPRESSIONS: dict[str, str] = {
    "CallMethodViaReflection": f"reflect/java_method {_JVM}",
    "TryReflect": f"try_reflect {_JVM}",
    "FromProtobuf": f"from_protobuf {_DESCRIPTOR}",
    "ToProtobuf": f"to_protobuf {_DESCRIPTOR}",
    "FromAvro": f"from_avro {_DESCRIPTOR}",
    "ToAvro": f"to_avro {_DESCRIPTOR}",
    "SchemaOfAvro": f"schema_of_avro {_DESCRIPTOR}",
    "CurrentUser": "current_user reads the operating-system user of the query's JVM",
}
USER_DEFINED = "org.apache.spark.sql.catalyst.expressions.UserDefinedExpression"
SUBQUERY = "org.apache.spark.sql.catalyst.expressions.SubqueryExpression"
# Leaves of an analyzed plan that read no table.
TABLELESS_LEAVES = frozenset({"LocalRelation", "OneRowRelation", "Range", "CTERelationRef"})


class QueryRefused(BadInputError):
    """The statement would write, change settings, reach the JVM or read outside the analyst zones
    (bad input: the command exits 2)."""


def refuse(what: str, why: str) -> QueryRefused:
    # One line, even when a name quoted from the statement holds a line break.
    what, why = " ".join(what.split()), " ".join(why.split())
    return QueryRefused(
        f"privlake sql refused {what}: {why}. It runs queries over the registered tables only."
    )


def sandboxed(
    spark: SparkSession,
    statement: str,
    zones: Iterable[str],
    register: Callable[[], Iterable[str]],
    hidden_zones: Iterable[str] = (),
) -> DataFrame:
    """Check ``statement`` in ``spark`` (an analyst session) and return its DataFrame.

    ``zones`` are the visible databases (silver, gold, ...); ``register`` registers their
    tables and returns them as ``zone.name``: it runs only once the parsed statement passed,
    so a refused statement never reaches the catalog. ``hidden_zones`` are named in the
    refusal of a read of them. Queries come back lazily; SHOW, DESCRIBE and EXPLAIN run here.
    """
    from pyspark.sql.classic.dataframe import DataFrame

    guard = _Guard(spark, frozenset(zones), frozenset(hidden_zones))
    plan = guard.parse(statement)
    kind = _kind(plan)
    inner = getattr(plan, QUERY_COMMANDS[kind])() if kind in QUERY_COMMANDS else None
    if kind in CATALOG_COMMANDS:
        guard.check_catalog_command(plan)
    else:
        guard.check_query(plan if inner is None else inner)
    guard.tables = frozenset(t.lower() for t in register())
    if inner is not None:
        guard.check_analyzed(guard.dataset(inner).queryExecution().analyzed())
    jdf = guard.dataset(plan)  # runs SHOW/DESCRIBE/EXPLAIN; analyzes a query without running it
    if kind not in CATALOG_COMMANDS and inner is None:
        guard.check_analyzed(jdf.queryExecution().analyzed())
    return DataFrame(jdf, spark)


class _Guard:
    """The checks of one statement, with the session and zones they are made against."""

    def __init__(self, spark: SparkSession, zones: frozenset[str], hidden: frozenset[str]) -> None:
        self.spark = spark
        self.zones = zones
        self.hidden = hidden
        self.tables: frozenset[str] = frozenset()
        jvm = spark.sparkContext._jvm
        assert jvm is not None
        self.jvm = jvm
        self.user_defined = jvm.java.lang.Class.forName(USER_DEFINED)
        self.subquery = jvm.java.lang.Class.forName(SUBQUERY)

    def parse(self, statement: str) -> Any:
        """The parsed plan, parsed with this session active: Spark's parser reads the active
        session's settings, and only the analyst session has ${...} substitution off."""
        from pyspark.errors import ParseException

        session_class = self.jvm.org.apache.spark.sql.SparkSession
        previous = session_class.getActiveSession()
        session_class.setActiveSession(self.spark._jsparkSession)
        try:
            return self.spark._jsparkSession.sessionState().sqlParser().parsePlan(statement)
        except ParseException as exc:
            raise refuse("a statement it cannot parse", _parse_reason(self.spark, exc, statement)) from None
        finally:
            if previous.isDefined():
                session_class.setActiveSession(previous.get())
            else:
                session_class.clearActiveSession()

    def dataset(self, plan: Any) -> Any:
        return self.jvm.org.apache.spark.sql.classic.Dataset.ofRows(self.spark._jsparkSession, plan)

    def check_query(self, plan: Any) -> None:
        """Every node is a query node; names, table functions and functions are allowed ones."""
        for node in self._plan_nodes(plan):
            kind = _kind(node)
            if kind not in QUERY_NODES:
                raise refuse(f"a statement of kind {kind}", NODE_REASONS.get(kind, "it is not a query"))
            if kind == "UnresolvedRelation":
                self._check_relation(node)
            elif kind == "UnresolvedTableValuedFunction":
                name = ".".join(_strings(node.name()))
                if name.lower() not in ALLOWED_TABLE_FUNCTIONS:
                    raise refuse(f"the table function {name}", "it reads outside the registered tables")
            for expression in self._expressions(node):
                if _kind(expression) == "UnresolvedFunction":
                    name = _strings(expression.nameParts())[-1].lower()
                    if name in DENIED_FUNCTIONS:
                        raise refuse(f"the function {name}", DENIED_FUNCTIONS[name])

    def check_catalog_command(self, plan: Any) -> None:
        """SHOW and DESCRIBE: only of the visible zones and their tables."""
        for child in _seq(plan.children()):
            kind = _kind(child)
            if kind not in COMMAND_TARGETS:
                raise refuse(f"{_kind(plan)} over a {kind}", "it is not a registered table or zone")
            if kind == "UnresolvedNamespace":
                parts = _unqualified(_strings(child.multipartIdentifier()))
                if parts and (len(parts) > 1 or parts[0].lower() not in self.zones):
                    raise refuse(f"{_kind(plan)} of {'.'.join(parts)}", self._visible(parts))
            elif kind in ("UnresolvedTable", "UnresolvedTableOrView"):
                parts = _unqualified(_strings(child.multipartIdentifier()))
                if len(parts) != 2 or parts[0].lower() not in self.zones:
                    raise refuse(f"{_kind(plan)} of {'.'.join(parts)}", self._visible(parts))

    def check_analyzed(self, plan: Any) -> None:
        """Resolved functions are allowed ones and every table read is a registered one."""
        for node in self._plan_nodes(plan):
            for expression in self._expressions(node):
                kind = _kind(expression)
                if kind in DENIED_EXPRESSIONS:
                    raise refuse(f"the function {kind}", DENIED_EXPRESSIONS[kind])
                if self.user_defined.isInstance(expression):
                    raise refuse(f"the user-defined function {kind}", "only built-in functions run")
            if node.children().isEmpty() and _kind(node) not in TABLELESS_LEAVES:
                name = _relation_name(node)
                if name is None or name.lower() not in self.tables:
                    raise refuse(f"a read of {name or _kind(node)}", self._visible((name or "").split(".")))

    def _check_relation(self, node: Any) -> None:
        parts = _unqualified(_strings(node.multipartIdentifier()))
        if not node.options().isEmpty():
            raise refuse(
                f"options on {'.'.join(parts)}", "table read options (e.g. versionAsOf) are not allowed"
            )
        # One-part names are CTEs (or tables of the current database, which the analyzed plan
        # check refuses); the registered tables are checked there too.
        if len(parts) > 2 or (len(parts) == 2 and parts[0].lower() not in self.zones):
            raise refuse(f"a read of {'.'.join(parts)}", self._visible(parts))

    def _visible(self, parts: list[str]) -> str:
        if parts and parts[0].lower() in self.hidden:
            return f"{parts[0]} tables hold raw personal data and are only visible with --privileged"
        zones = ", ".join(f"{z}.*" for z in sorted(self.zones))
        return f"it is not a registered table (visible: {zones}; no reads by path)"

    def _plan_nodes(self, plan: Any) -> Iterator[Any]:
        """Every plan node: children, CTE definitions and the plans of subquery expressions."""
        stack = [plan]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(_seq(node.children()))
            stack.extend(_seq(node.innerChildren()))
            for expression in self._expressions(node):
                if self.subquery.isInstance(expression):
                    stack.append(expression.plan())

    def _expressions(self, node: Any) -> Iterator[Any]:
        """Every expression of one plan node, nested ones (lambdas, arguments) included."""
        stack = list(_seq(node.expressions()))
        while stack:
            expression = stack.pop()
            yield expression
            stack.extend(_seq(expression.children()))


def _kind(node: Any) -> str:
    return str(node.getClass().getSimpleName()).rstrip("$")


def _seq(seq: Any) -> list[Any]:
    """A Scala Seq as a Python list (py4j has no iterator protocol for it)."""
    return [seq.apply(i) for i in range(seq.size())]


def _strings(seq: Any) -> list[str]:
    return [str(part) for part in _seq(seq)]


def _unqualified(parts: list[str]) -> list[str]:
    return parts[1:] if parts and parts[0].lower() == "spark_catalog" else parts


def _relation_name(node: Any) -> str | None:
    """``zone.table`` of a catalog relation in an analyzed plan; None for a read by path."""
    kind = _kind(node)
    if kind == "LogicalRelation" and node.catalogTable().isDefined():
        identifier = node.catalogTable().get().identifier()
        return f"{identifier.database().get()}.{identifier.table()}"
    if kind in ("DataSourceV2Relation", "DataSourceV2ScanRelation") and node.identifier().isDefined():
        identifier = node.identifier().get()
        return ".".join([*(str(n) for n in identifier.namespace()), str(identifier.name())])
    return None


def _parse_reason(spark: SparkSession, exc: Exception, statement: str) -> str:
    """One line for a parse error; several statements get their own reason."""
    body = statement.strip().rstrip(";")
    if ";" in body and _parses_alone(spark, body.split(";")[0]):
        return "it holds several statements; run one at a time"
    lines = [line for line in str(exc).splitlines() if line.strip() and not line.startswith("==")]
    return lines[0].strip() if lines else "syntax error"


def _parses_alone(spark: SparkSession, first: str) -> bool:
    if not first.strip():
        return False
    try:
        spark._jsparkSession.sessionState().sqlParser().parsePlan(first)
    except Exception:  # any failure means "not a statement on its own"
        return False
    return True
