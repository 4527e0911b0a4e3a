"""typer's and click's own words in the user's language, from the catalogue (``cli.*``).

The command line's help and errors have words jixiao does not write: the usage line
("Usage:", "[OPTIONS]"), the panel titles, the --help option's text, the type of each
value (``<int>``), and click's parse errors ("Missing option …"). Each is replaced through
the hook typer or click offers for it — typer's module constants (panel titles), a
command class (usage line, help option, metavars), the errors re-raised as the same kind
of error in the catalogue's words — never by rewriting the text they print.
"""

from __future__ import annotations

import re
from typing import Any

import typer
import typer.core
import typer.rich_utils

from jixiao.messages import has, say

try:  # typer ≥ 0.20 carries its own copy of click, and raises that copy's errors
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer, on click itself
    from click import exceptions as click_errors  # type: ignore[no-redef]

# typer's module constants: its panel titles, default/env-var/required notes, abort line
_CONSTANTS = (("ARGUMENTS_PANEL_TITLE", "arguments"), ("OPTIONS_PANEL_TITLE", "options"),
              ("COMMANDS_PANEL_TITLE", "commands"), ("ERRORS_PANEL_TITLE", "error"),
              ("DEFAULT_STRING", "default"), ("ENVVAR_STRING", "envvar"),
              ("REQUIRED_LONG_STRING", "required"), ("ABORTED_TEXT", "aborted"),
              ("RICH_HELP", "try-help"), ("DEPRECATED_STRING", "deprecated"))


class _Folding(typer.rich_utils.OptionHighlighter):
    """typer's highlighter of help text, which also lets the text fold where it has no
    space: Chinese has none between words, so a table cell would cut a sentence with '…'."""

    def highlight(self, text: Any) -> None:
        super().highlight(text)
        text.overflow = "fold"


def install() -> None:
    """Set typer's own words (module constants read at each help and error) from the
    catalogue, and its help text to fold."""
    for name, key in _CONSTANTS:
        setattr(typer.rich_utils, name, say(f"cli.{key}"))
    typer.rich_utils.highlighter = _Folding()


# ---- type labels: `<int>` → `<整数>` ---------------------------------------------------

_TYPE_WORD = re.compile(r"[A-Za-z]+")


def type_label(label: str) -> str:
    """typer's label of a value's type (`<int>`, `<list[Path]>`, `<int range>`) in the
    catalogue's words; a choice (`<table|json>`: the values typed, codes) stays."""
    if "|" in label:
        return label
    inner = label.strip("<>").replace("list[", "").replace("]", "…").replace(" range", "")
    words = _TYPE_WORD.sub(lambda m: _type_word(m.group(0)), inner)
    return f"<{words}>" if words.strip("…") else ""  # a flag (bool): no label


def _type_word(name: str) -> str:
    key = f"cli.types.{name.lower()}"
    return say(key) if has(key) else name


class _Argument(typer.core.TyperArgument):
    """typer has no hook for an argument's type label (its metavar names the argument), so
    the arguments of jixiao's commands are of this class, which says it in the catalogue's
    words."""

    def display_type(self, ctx: Any) -> str:
        return type_label(super().display_type(ctx))


class _Option(typer.core.TyperOption):
    def display_type(self, ctx: Any) -> str:
        return type_label(super().display_type(ctx))


# ---- parse errors: the same error, in the catalogue's words ---------------------------


def _name(param: Any) -> str:
    """How a parameter is named in an error: its options (--actuals), or an argument's
    metavar."""
    if param is None:
        return ""
    opts = [o for o in getattr(param, "opts", ()) if o.startswith("-")]
    return " / ".join(opts) if opts else (param.metavar or param.name or "")


def _bad_value(exc: Any) -> str:
    """A value that is not of its type, said with the value and what is expected (pydantic's
    error under typer's, when there is one: its input and its kind)."""
    param, ctx = exc.param, exc.ctx
    cause = exc.__cause__
    errors = cause.errors() if hasattr(cause, "errors") else []
    detail: dict[str, Any] = errors[0] if errors else {}
    value = detail.get("input")
    limits = detail.get("ctx") or {}
    if "ge" in limits:
        expected = say("cli.expected-at-least", least=limits["ge"])
    elif "gt" in limits:
        expected = say("cli.expected-above", least=limits["gt"])
    elif param is not None and hasattr(param, "display_type"):
        shown = param.display_type(ctx).strip("<>")
        expected = say("cli.expected-one-of", values="、".join(shown.split("|"))) \
            if "|" in shown else say("cli.expected-type", type=shown or say("cli.types.str"))
    else:
        expected = say("cli.expected-other")
    if value is None:
        return say("cli.bad-value-of", name=_name(param), expected=expected)
    return say("cli.bad-value", name=_name(param), value=value, expected=expected)


class Said(click_errors.UsageError):
    """A parse error already in the catalogue's words (exit 2, with the usage line)."""


def translated(exc: Exception, ctx: Any = None) -> Exception:
    """click's parse error `exc` as the same kind of error in the catalogue's words, with
    its context (or `ctx`, the command's being parsed) for the usage line; an error jixiao
    raised itself is kept as it is."""
    ctx = getattr(exc, "ctx", None) or ctx
    if isinstance(exc, Said):
        return exc
    if isinstance(exc, click_errors.MissingParameter):
        kind = "option" if getattr(exc.param, "opts", [""])[0].startswith("-") \
            else "argument"
        message = say(f"cli.missing-{kind}", name=_name(exc.param))
    elif isinstance(exc, click_errors.NoSuchOption):
        message = say("cli.no-such-option", name=exc.option_name)
        if exc.possibilities:
            message += say("cli.did-you-mean", names="、".join(sorted(exc.possibilities)))
    elif isinstance(exc, click_errors.BadOptionUsage):
        message = say("cli.option-needs-value", name=exc.option_name)
    elif isinstance(exc, click_errors.BadParameter):
        message = _bad_value(exc)
    else:
        return exc
    return Said(message, ctx)


def usage_error(key: str, ctx: Any, **values: Any) -> Exception:
    """A parse error jixiao itself finds (an unknown command, an extra argument)."""
    return Said(say(key, **values), ctx)


class _Words:
    """What a jixiao command or group says of itself in the catalogue's words."""

    def _localize_params(self) -> None:
        for param in getattr(self, "params", ()):
            if type(param) is typer.core.TyperArgument:
                param.__class__ = _Argument
            elif type(param) is typer.core.TyperOption:
                param.__class__ = _Option

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces),
                              prefix=say("cli.usage"))

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = say("cli.help-option")
            option.metavar = ""  # a flag: no type shown
        return option

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc,no-any-return]
        except click_errors.UsageError as exc:
            raise translated(exc, ctx) from None


class Command(_Words, typer.core.TyperCommand):
    allow_extra_args = True  # extra arguments are refused below, in the catalogue's words

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["options_metavar"] = say("cli.options-metavar")
        super().__init__(*args, **kwargs)
        self._localize_params()

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        if rest and not ctx.resilient_parsing:
            raise usage_error("cli.extra-arguments", ctx, args=" ".join(rest))
        return rest


class Group(_Words, typer.core.TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["options_metavar"] = say("cli.options-metavar")
        kwargs["subcommand_metavar"] = say("cli.subcommand-metavar")
        super().__init__(*args, **kwargs)
        self._localize_params()

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None \
                and not ctx.resilient_parsing:
            from difflib import get_close_matches

            close = get_close_matches(name, list(self.commands))
            raise usage_error("cli.no-such-command", ctx, name=name, hint=say(
                "cli.did-you-mean", names="、".join(close)) if close else "")
        return super().resolve_command(ctx, args)


class Typer(typer.Typer):
    """typer.Typer whose commands and groups speak the catalogue's words."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", Group)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)
