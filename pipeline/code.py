"""What is code, a command, an address: text the normalisers never rewrite.

Punctuation width, spacing and markdown clean-up apply to Chinese prose only. A line of
code or a shell command (:func:`looks_like_code`), a URL or an e-mail address
(:data:`PROTECTED`) keeps every character as written. The normalize stage and the
markup fixers (:mod:`pipeline.markup`) both ask here, so neither imports the other for it.
"""

from __future__ import annotations

import regex

#: URLs and e-mail addresses: runs inside which no mark may change.
PROTECTED = regex.compile(
    r"(?:https?|ftp)://[^\s\p{Han}，。、；：？！“”‘’（）《》【】「」]*[^\s\p{Han}，。、；：？！“”‘’（）《》【】「」.,;:?!)]"
    r"|www\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[^\s\p{Han}，。、；：？！“”‘’（）《》【】「」]*[^\s\p{Han}.,;:?!)，。])?"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)


#: A shell prompt: ``$ `` or ``# `` (root) followed by a command word.
_PROMPT = regex.compile(r"^\h*[$#]\h+[A-Za-z_./~]")
#: Something only code, commands and paths contain (``;``, ``{}``, ``=``,
#: redirections and pipes, ``$VAR``, ``::``, ``->``, a call ``f(``, an option
#: ``-x`` / ``--long``, a path ``a/b`` or ``/etc``).
_CODE_SIGNAL = regex.compile(
    r"[;{}=<>|&$\\`]|::|->|[A-Za-z_][\w.]*\(|(?:^|\h)--?[A-Za-z]|[\w.~]/[\w.*]|(?:^|\h)/[\w.]"
)
#: String literals and comments: where code may hold Chinese.
_STRINGS_AND_COMMENTS = regex.compile(
    r"`[^`'\n]*'|"  # man-page quotes: `ranlib'
    r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`[^`\n]*`|/\*.*?\*/|(?:^|(?<=\h))(?:#|//|--\h).*$'
)
_CHINESE = regex.compile(r"[\p{Han}\u3001-\u301f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]")
_HAS_LATIN = regex.compile(r"[A-Za-z]")
_MAY_HIDE_CHINESE = regex.compile(r"[\"'`#/-]")


def looks_like_code(line: str) -> bool:
    """Whether a line is code or a shell command rather than Chinese prose.

    Code may hold Chinese only in string literals and comments, so the line
    is judged without them (its *core*). It is code when it starts with a
    ``$`` prompt and a command word (``$ ls``), or when its core holds no
    hanzi and no CJK punctuation, has a Latin letter, and either has
    something only code holds (:data:`_CODE_SIGNAL`: ``;``, ``=``, ``f(``,
    ``--option``, a path…), starts with a ``#`` root prompt, or is indented
    (4 spaces or a tab). Prose that mentions commands (``使用 emacs(1) 来阅读``)
    has hanzi outside quotes and is not code; a markdown ``# Linux 入门``
    stays a heading.

    >>> looks_like_code("$ dpkg --get-selections > 软件列表.txt")
    True
    >>> looks_like_code('printf("你好,%s", name);'), looks_like_code("x = f(a, b)  # 计算结果")
    (True, True)
    >>> looks_like_code("# Linux 入门"), looks_like_code("使用 emacs(1) 或 info(1) 来阅读,很方便")
    (False, False)
    >>> looks_like_code("Windows (version 10) 中文版"), looks_like_code('    msg "中文"')
    (False, True)
    """
    if not _HAS_LATIN.search(line):
        return False
    prompt = _PROMPT.match(line)
    if prompt and line.lstrip()[0] == "$":
        return True
    if not _MAY_HIDE_CHINESE.search(line) and _CHINESE.search(line):  # fast path: Chinese prose
        return False
    core = _STRINGS_AND_COMMENTS.sub(" ", line[prompt.end() - 1 :] if prompt else line)
    if _CHINESE.search(core) or not _HAS_LATIN.search(core):
        return False
    return bool(prompt) or line.startswith(("    ", "\t")) or bool(_CODE_SIGNAL.search(core))
