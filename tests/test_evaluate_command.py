"""`vocloop evaluate`: the text analytics measured on a labelled CSV, beside a plain baseline."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.run_files import computed_once
from tests.shared_data import shared_data

THEMES = {
    "billing": ["the invoice was wrong", "charged twice", "refund never came", "bill doubled"],
    "delivery": ["parcel arrived late", "box left in the rain", "courier lost it", "no delivery"],
    "staff": ["agent was rude", "nobody helped me", "staff very helpful", "engineer polite"],
}


def run(*args: str) -> str:
    out = StringIO()
    call_command("evaluate", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def feedback_csv(tmp_path: Path) -> Path:
    """A small labelled export, quoted fields with line breaks and empty texts included."""
    path = tmp_path / "feedback.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "comment", "theme", "recommended"])
        n = 0
        for repeat in range(5):
            for theme, phrases in THEMES.items():
                for phrase in phrases:
                    n += 1
                    good = theme == "staff" and "rude" not in phrase and "nobody" not in phrase
                    ending = "Great, thanks!" if good else "Awful.\nNever again."
                    writer.writerow([n, f"Visit {repeat}: {phrase}.\n{ending}", theme, int(good)])
        writer.writerow([n + 1, "", "billing", 0])
        writer.writerow([n + 2, "  ", "delivery", 0])
        writer.writerow([n + 3, "the website crashed", "website", 0])
    return path


def test_text_reports_accuracy_macro_f1_confusion_and_baseline(feedback_csv: Path) -> None:
    out = run(
        "text", str(feedback_csv), "--text-column", "comment", "--label-column", "theme",
        "--min-count", "5", "--seeds", "0", "1",
    )  # fmt: skip
    assert "skipped 2 with an empty text" in out
    assert "Kept 60 texts in 3 labels" in out
    assert "Dropped 1 labels with fewer (1 texts): website (1)" in out
    assert "macro-F1 vocloop  baseline" in out and "accuracy vocloop  baseline" in out
    assert "linear SVM (balanced class weights)" in out
    mean = next(line for line in out.splitlines() if line.startswith("mean")).split()
    assert [float(v) for v in mean[1:]] == [1.0, 1.0, 1.0, 1.0]
    assert "Confusion table, vocloop, seed 0 (rows: true label, columns: predicted)" in out
    assert "true \\ predicted" in out and "billing (6;" in out


def test_text_can_report_json(feedback_csv: Path) -> None:
    out = run(
        "text", str(feedback_csv), "--text-column", "comment", "--label-column", "theme",
        "--min-count", "5", "--seeds", "4", "--json",
    )  # fmt: skip
    report = json.loads(out)
    assert report["kept_texts"] == 60 and report["dropped_labels"] == {"website": 1}
    assert [s["seed"] for s in report["seeds"]] == [4]
    assert report["mean"]["vocloop"]["macro_f1"] == 1.0
    assert report["seeds"][0]["vocloop"]["confusion"] == [[6, 0, 0], [0, 6, 0], [0, 0, 6]]


def test_sentiment_compares_vocloop_with_plain_vader_and_the_majority(feedback_csv: Path) -> None:
    out = run(
        "sentiment", str(feedback_csv), "--text-column", "comment",
        "--label-column", "recommended",
    )  # fmt: skip
    assert "Tested 61 texts in 2 classes (no 51, yes 10)" in out
    rows = {
        line[:42].strip(): line[42:].split()
        for line in out.splitlines()
        if line.startswith(("vocloop sentiment", "plain VADER", "always"))
    }
    assert rows["vocloop sentiment (clause by clause)"] == ["1.000", "1.000"]
    assert "plain VADER compound, whole text" in rows
    # Always "no": right 51 times in 61; F1 102/112 for "no" and 0 for "yes".
    assert rows['always "no" (the commonest label)'] == [f"{51 / 61:.3f}", f"{102 / 112 / 2:.3f}"]
    assert "vocloop − VADER:" in out and "of macro-F1" in out
    assert "true \\ predicted" in out


MOODS = [
    ("The refund never arrived and nobody called back.", "negative"),
    ("Still waiting for the engineer after two weeks.", "negative"),
    ("The invoice is wrong again and support is unhelpful.", "negative"),
    ("Awful service, I had to call five times.", "negative"),
    ("The parcel came on Tuesday.", "neutral"),
    ("My account number changed last month.", "neutral"),
    ("Lovely staff, sorted in ten minutes. Brilliant!", "positive"),
    ("Great app, really easy to use.", "positive"),
]


def _brute_force_scores(truth: list[str], predicted: list[str]) -> tuple[float, float]:
    """Accuracy and macro-F1 counted by hand, over the classes the truth uses."""
    accuracy = sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)
    f1s = []
    for c in sorted(set(truth)):
        hits = sum(t == p == c for t, p in zip(truth, predicted, strict=True))
        said, true = predicted.count(c), truth.count(c)
        f1s.append(2 * hits / (said + true) if said + true else 0.0)
    return accuracy, sum(f1s) / len(f1s)


def test_sentiment_reads_three_classes_with_macro_f1_and_the_majority_baseline(
    tmp_path: Path,
) -> None:
    from vocloop.text.sentiment import sentiment

    path = tmp_path / "moods.csv"
    # Lopsided, as complaints are: mostly negative, with a label for every class.
    rows = MOODS[:4] * 5 + MOODS[4:]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "mood"])
        writer.writerows(rows)
    report = json.loads(
        run("sentiment", str(path), "--text-column", "text", "--label-column", "mood", "--json")
    )
    assert report["classes"] == ["negative", "neutral", "positive"]
    assert report["counts"] == {"negative": 20, "neutral": 2, "positive": 2}
    assert report["majority_label"] == "negative"
    truth = [label for _, label in rows]
    # Always negative: right 20 times in 24, F1 40/44 for negative, 0 for the others.
    assert report["majority_accuracy"] == pytest.approx(20 / 24)
    assert report["majority_macro_f1"] == pytest.approx((40 / 44) / 3)
    ours = [sentiment(text).label for text, _ in rows]
    accuracy, macro_f1 = _brute_force_scores(truth, ours)
    assert report["vocloop_accuracy"] == pytest.approx(accuracy)
    assert report["vocloop_macro_f1"] == pytest.approx(macro_f1)
    assert report["vocloop_macro_f1"] > report["majority_macro_f1"]
    text = run("sentiment", str(path), "--text-column", "text", "--label-column", "mood")
    assert "in 3 classes (negative 20, neutral 2, positive 2)" in text
    assert 'always "negative" (the commonest label)' in text


@pytest.mark.parametrize("labels", [("-1", "0", "1"), ("NEG", "neu", "Pos")])
def test_sentiment_accepts_three_classes_spelt_otherwise(
    tmp_path: Path, labels: tuple[str, str, str]
) -> None:
    path = tmp_path / "moods.csv"
    spelt = dict(zip(("negative", "neutral", "positive"), labels, strict=True))
    path.write_text("text,mood\n" + "".join(f'"{text}",{spelt[label]}\n' for text, label in MOODS))
    report = json.loads(
        run("sentiment", str(path), "--text-column", "text", "--label-column", "mood", "--json")
    )
    assert report["classes"] == ["negative", "neutral", "positive"]
    assert report["counts"] == {"negative": 4, "neutral": 2, "positive": 2}


def test_sentiment_learned_from_the_file_is_tested_on_the_rest(tmp_path: Path) -> None:
    """Where customers say "sick" for great and the router is called "Fine", the lexicon
    misreads them; the model learns it from the training part."""
    path = tmp_path / "broadband.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["comment", "recommended"])
        for i in range(30):
            writer.writerow([f"The new box is sick, week {i}", "1"])
            writer.writerow([f"The Fine box keeps dropping, week {i}", "0"])
    out = run(
        "sentiment", str(path), "--text-column", "comment", "--label-column", "recommended",
        "--learn", "--seeds", "0", "1", "--test-size", "0.5", "--json",
    )  # fmt: skip
    report = json.loads(out)
    assert report["vocloop_accuracy"] == 0.0  # the lexicon reads every one the wrong way
    learning = report["learning"]
    assert [s["seed"] for s in learning["seeds"]] == [0, 1]
    assert all(s["train"] == 30 and s["test"] == 30 for s in learning["seeds"])
    assert learning["mean"]["lexicon"]["accuracy"] == 0.0
    assert learning["mean"]["blend"]["accuracy"] == 1.0
    assert learning["mean"]["model"]["accuracy"] == 1.0
    assert all(s["lexicon_weight"] < 1 for s in learning["seeds"])
    text = run(
        "sentiment", str(path), "--text-column", "comment", "--label-column", "recommended",
        "--learn", "--seeds", "3",
    )  # fmt: skip
    assert "Learning (--learn): vocloop's sentiment model trained on a stratified 70 %" in text
    mean = next(line for line in text.splitlines() if line.startswith("mean")).split()
    assert [float(v) for v in mean[1:]] == [0.0, 1.0, 1.0, 0.0, 1.0, 1.0]


def test_a_column_not_in_the_file_is_refused_with_the_columns_it_has(
    feedback_csv: Path,
) -> None:
    with pytest.raises(CommandError, match=r'no column "Comment".*"id", "comment", "theme"'):
        run("text", str(feedback_csv), "--text-column", "Comment", "--label-column", "theme")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Cannot read"),
        (b"", "is empty"),
        (b"comment,theme\n\xff\xfe broken", "not UTF-8"),
        (b'comment,theme\n"late parcel,delivery\n', "not a readable CSV"),
        (b"comment,theme\nlate parcel,delivery\nrude agent,staff\n", "Only 0 label"),
        (
            b"comment,theme\nlate parcel,delivery\nlate again,delivery\n"
            b"rude agent,staff\nrude again,staff\n",
            "Cannot learn from the 2 training texts of seed 0: Too few examples",
        ),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "export.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run(
            "text", str(path), "--text-column", "comment", "--label-column", "theme",
            "--min-count", "2",
        )  # fmt: skip


def test_sentiment_needs_a_two_valued_label(feedback_csv: Path) -> None:
    with pytest.raises(CommandError, match=r"two-valued label.*three-valued one.*billing"):
        run("sentiment", str(feedback_csv), "--text-column", "comment", "--label-column", "theme")


def test_options_out_of_range_are_refused(feedback_csv: Path) -> None:
    for option in (["--test-size", "1.5"], ["--min-count", "1"]):
        with pytest.raises(CommandError, match="must be"):
            run(
                "text", str(feedback_csv), "--text-column", "comment",
                "--label-column", "theme", *option,
            )  # fmt: skip


@pytest.fixture(scope="module")
def cfpb_products() -> dict[str, dict[str, float]]:
    path = shared_data("cfpb-complaints-2019-2020.csv")
    # The two tests that read it may run in two workers: the products are learnt once.
    out = computed_once("cfpb-products", lambda: run(
        "text", str(path), "--text-column", "Consumer complaint narrative",
        "--label-column", "Product", "--min-count", "25", "--test-size", "0.3",
        "--seeds", "0", "1", "2", "--json",
    ))  # fmt: skip
    report = json.loads(out)
    assert report["kept_texts"] == 1526 and len(report["kept_labels"]) == 9
    mean: dict[str, dict[str, float]] = report["mean"]
    return mean


@pytest.mark.timeout(600)  # the first to ask learns the products: minutes on a busy machine
def test_cfpb_products_are_learnt_well_above_the_baseline(
    cfpb_products: dict[str, dict[str, float]],
) -> None:
    ours, baseline = cfpb_products["vocloop"], cfpb_products["baseline"]
    # Measured 0.693 macro-F1 and 0.806 accuracy (baseline 0.611 and 0.783).
    assert ours["macro_f1"] >= 0.68
    assert ours["macro_f1"] >= baseline["macro_f1"] + 0.05
    assert ours["accuracy"] >= baseline["accuracy"]


@pytest.mark.timeout(600)
@pytest.mark.xfail(strict=True, reason="the issue's target 0.70 is not reached: 0.693 measured")
def test_cfpb_products_reach_the_issue_target(
    cfpb_products: dict[str, dict[str, float]],
) -> None:
    assert cfpb_products["vocloop"]["macro_f1"] >= 0.70


@pytest.mark.parametrize("name", ["skytrax-seat-reviews.csv", "skytrax-lounge-reviews.csv"])
def test_skytrax_recommendations_are_read_better_than_by_plain_vader(name: str) -> None:
    path = shared_data(name)
    out = run(
        "sentiment", str(path), "--text-column", "content",
        "--label-column", "recommended", "--json",
    )  # fmt: skip
    report = json.loads(out)
    assert report["lead_points"] >= 4.0
    assert report["vocloop_macro_f1"] >= report["vader_macro_f1"] + 0.03
    assert report["majority_accuracy"] < report["vocloop_accuracy"] - 0.05
