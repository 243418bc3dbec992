"""在线考试 pages: the run's owner writes the exam as plain text (one question per block: the question,
its options ``A. …``, and ``答案：A``); a learner who attended takes it from his 考勤记录 and sees his
score at once.

The text form is this page's own: the API takes the questions as JSON (:mod:`cme_platform.attendance.exams`).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from cme_platform.api.params import Id
from cme_platform.api.state import plugin_manager
from cme_platform.attendance import exams
from cme_platform.attendance.api import VIEWERS, Kind
from cme_platform.errors import DomainError, FieldError, InvalidInput
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import Role
from litestar import Request, get, post
from litestar.response import Redirect, Template

from cme_admin_ui.pages.credits import back, current_principal
from cme_admin_ui.shell import flash, page_context

LETTERS = "ABCDEF"
_OPTION = re.compile(r"^([A-Fa-f])\s*[.．、:：]\s*(.+)$")
_ANSWER = re.compile(r"^答案\s*[:：]\s*([A-Fa-f,，、\s]+)$")
_NUMBER = re.compile(r"^\d+\s*[.．、]\s*")
MAX_TEXT = 60_000
"""The most characters the exam's text may have (50 questions of six options fit easily)."""


def exam_text(questions: list[exams.QuestionIn]) -> str:
    """The questions in the page's text form."""
    blocks = []
    for index, q in enumerate(questions, start=1):
        lines = [f"{index}. {q.text}", *(f"{LETTERS[i]}. {option}" for i, option in enumerate(q.options))]
        lines.append("答案：" + "".join(LETTERS[i] for i in q.answers))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def parse_exam(text: str) -> list[dict[str, Any]]:
    """The questions of the text form; :class:`InvalidInput` naming the block that is wrong."""
    questions: list[dict[str, Any]] = []
    blocks = [b for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if b.strip()]
    for number, block in enumerate(blocks, start=1):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        options: list[str] = []
        answers: list[int] | None = None
        for line in lines[1:]:
            if (option := _OPTION.match(line)) and answers is None:
                if LETTERS.index(option.group(1).upper()) != len(options):
                    raise InvalidInput(
                        "请检查试题", [FieldError("text", f"第{number}题的选项须按 A、B、C… 的顺序")]
                    )
                options.append(option.group(2).strip())
            elif answer := _ANSWER.match(line):
                answers = [LETTERS.index(c.upper()) for c in answer.group(1) if c.upper() in LETTERS]
            else:
                raise InvalidInput(
                    "请检查试题", [FieldError("text", f"第{number}题有无法识别的一行：{line[:30]}")]
                )
        if answers is None:
            raise InvalidInput("请检查试题", [FieldError("text", f"第{number}题缺少“答案：”一行")])
        questions.append({"text": _NUMBER.sub("", lines[0]), "options": options, "answers": answers})
    return questions


async def _edit_page(
    request: Request[Any, Any, Any], kind: str, group_id: int, text: str | None = None, error: str = ""
) -> Template:
    principal = await current_principal(request)
    exam = await exams.owner_exam(principal, kind, group_id)
    return Template(
        template_name="attendance/exam_edit.html",
        context={
            **page_context(request),
            "kind": kind,
            "group_id": group_id,
            "exam": exam,
            "text": text if text is not None else (exam_text(exam.questions) if exam else ""),
            "pass_mark": request.query_params.get("pass_mark") or (exam.pass_mark if exam else 60),
            "error": error,
        },
        status_code=400 if error else 200,
    )


@get(
    "/attendance/exams/{kind:str}/{group_id:int}/edit",
    guards=[requires_role(*VIEWERS)],
    include_in_schema=False,
)
async def edit_exam(request: Request[Any, Any, Any], kind: Kind, group_id: Id) -> Template:
    """The exam's editor (its owner)."""
    return await _edit_page(request, kind, group_id)


@post(
    "/attendance/exams/{kind:str}/{group_id:int}/edit",
    guards=[requires_role(*VIEWERS)],
    include_in_schema=False,
    status_code=303,
)
async def save_exam(request: Request[Any, Any, Any], kind: Kind, group_id: Id) -> Template | Redirect:
    """保存试题."""
    principal = await current_principal(request)
    form = await request.form()
    text = str(form.get("text") or "")[:MAX_TEXT]
    try:
        data = msgspec.convert(
            {"pass_mark": str(form.get("pass_mark") or ""), "questions": parse_exam(text)},
            exams.ExamIn,
            strict=False,
        )
        saved = await exams.save_exam(principal, kind, group_id, data)
    except msgspec.ValidationError as exc:
        return await _edit_page(request, kind, group_id, text, _validation_message(str(exc)))
    except DomainError as exc:
        message = "；".join(e.message for e in exc.errors) or exc.message
        return await _edit_page(request, kind, group_id, text, message)
    flash(request, f"已保存在线考试：{len(saved.questions)} 题，及格分 {saved.pass_mark}")
    return back(request, f"/attendance/exams/{kind}/{group_id}/edit")


def _validation_message(raw: str) -> str:
    """A readable reason for a question list the exam's schema refused."""
    if "pass_mark" in raw:
        return "及格分须是 1 到 100 之间的整数"
    if "options" in raw:
        return "每题须有 2 到 6 个选项，每个选项不超过120字"
    if "text" in raw:
        return "每题题干不能为空，且不超过300字"
    return "试题须为 1 到 50 题，每题至少一个答案"


@get(
    "/attendance/exams/{kind:str}/{group_id:int}",
    guards=[requires_role(Role.LEARNER)],
    include_in_schema=False,
)
async def take_page(request: Request[Any, Any, Any], kind: Kind, group_id: Id) -> Template:
    """在线考试: the paper, my attempts and how many are left."""
    principal = await current_principal(request)
    exam = await exams.learner_exam(plugin_manager(request), principal, kind, group_id)
    return Template(
        template_name="attendance/exam.html",
        context={**page_context(request), "exam": exam, "kind": kind, "group_id": group_id, "result": None},
    )


@post(
    "/attendance/exams/{kind:str}/{group_id:int}",
    guards=[requires_role(Role.LEARNER)],
    include_in_schema=False,
    status_code=200,
)
async def take_exam(request: Request[Any, Any, Any], kind: Kind, group_id: Id) -> Template:
    """交卷: scored at once; the result and the attempts left."""
    principal = await current_principal(request)
    form = await request.form()
    exam = await exams.learner_exam(plugin_manager(request), principal, kind, group_id)
    choices = [
        [LETTERS.index(v) for v in form.getall(f"q{index}") if v in LETTERS] if f"q{index}" in form else []
        for index in range(len(exam.paper))
    ]
    result = error = None
    try:
        result = await exams.take_exam(
            plugin_manager(request), principal, kind, group_id, exams.AnswersIn(choices=choices)
        )
    except DomainError as exc:
        error = exc.message
    exam = await exams.learner_exam(plugin_manager(request), principal, kind, group_id)
    return Template(
        template_name="attendance/exam.html",
        context={
            **page_context(request),
            "exam": exam,
            "kind": kind,
            "group_id": group_id,
            "result": result,
            "error": error,
            "chosen": choices,
        },
        status_code=200 if error is None else 400,
    )


routes = [edit_exam, save_exam, take_page, take_exam]
