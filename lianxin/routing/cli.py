"""``lianxin eval routing`` and ``lianxin train``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lianxin import progress
from lianxin.cli_common import fail as _fail
from lianxin.cli_common import jurisdiction_by_code, open_session
from lianxin.errors import LianxinError

eval_app = typer.Typer(help="评测 / evaluation", no_args_is_help=True)


@eval_app.command("routing")
def eval_routing(
    train: Annotated[list[Path], typer.Option("--train", help="训练 CSV，可多次 / training CSV (repeatable)")],
    test: Annotated[
        Path | None, typer.Option(help="测试 CSV；不给则做 5 折交叉验证 / test CSV; without it, 5-fold CV")
    ] = None,
    label_column: Annotated[str, typer.Option(help="标签列 / label column")] = "label_l1",
    folds: Annotated[int, typer.Option(help="交叉验证折数 / CV folds")] = 5,
    group_duplicates: Annotated[
        bool,
        typer.Option(
            help="近似重复的工单放在同一折（更严格的估计）/ keep near-duplicate appeals in one fold "
            "(a stricter estimate than the plain stratified CV the default reports)"
        ),
    ] = False,
    report: Annotated[
        bool,
        typer.Option("--report", help="每类 F1 与混淆矩阵 / per-class precision, recall, F1 and the confusion matrix"),
    ] = False,
) -> None:
    """Train the routing classifier on labelled CSVs and score it (text, title+body or tokens columns)."""
    from lianxin.routing.evaluate import cross_validate, holdout, read_labelled

    try:
        with progress.bar("评测 / evaluation"):
            data = read_labelled(train, label_column)
            lines = (
                holdout(data, read_labelled([test], label_column), report=report)
                if test
                else cross_validate(data, folds, group_duplicates=group_duplicates, report=report)
            )
    except LianxinError as exc:
        _fail(str(exc))
    typer.echo("\n".join(lines))


def train(
    jurisdiction: Annotated[str, typer.Option(help="辖区编码 / jurisdiction code")] = "default",
    cv: Annotated[
        bool, typer.Option(help="先做交叉验证并保存指标 / cross-validate first and store the figures")
    ] = True,
) -> None:
    """Train the routing model from confirmed appeals and store it as the new active version."""
    from lianxin.routing.service import train_model

    try:
        with open_session() as session:
            jur = jurisdiction_by_code(session, jurisdiction)
            with progress.bar("训练 / training"):
                row = train_model(session, jur.id, actor=None, cross_validate=cv)
            summary = row.metrics.get("cv")
            figures = (
                (
                    f"; {summary['folds']} 折交叉验证 / {summary['folds']}-fold CV macro_f1={summary['macro_f1']:.4f}"
                    f" ± {summary['macro_f1_std']:.4f} accuracy={summary['accuracy']:.4f}"
                )
                if summary
                else ""
            )
            typer.echo(
                f"模型版本 / model version {row.version}: {row.n_samples} 件工单 / appeals, "
                f"{len(row.classes)} 个分类 / categories, 训练 / fit {row.metrics['fit_seconds']:.1f} s{figures}"
            )
    except LianxinError as exc:
        _fail(str(exc))
