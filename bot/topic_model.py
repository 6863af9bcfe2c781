"""Which layer a question is about, from a model trained on the catalogue's own text.

The old matcher added hand-set weights for every alias it found, and every miss grew the
alias lists until they fitted the questions they were tuned on. This model learns the
layers from what the catalogue already says about them: each topic's title, description,
aliases and hints, and every cell's summary and aliases, labelled with the cell's topic.
It is a TF-IDF representation (stemmed words and word pairs) under a multinomial logistic
regression. The catalogue says what each layer is, not how people ask about it ("the racks in
our server room", "a CVE in our base image"), so the shipped weights also learn from the
repository's labelled question sets, read as the matcher reads a question with every service's
name left out; grouped by set, 5-fold cross-validation shows it on questions it never saw
(`benchmarks/bench_generalise.py --cross-validate 5`). The shipped weights are fitted to convergence by
scikit-learn (`python -m bot.topic_model`, a development step): a converged fit moves only the
answers an edit is about, where stochastic passes moved a dozen unrelated ones on every retrain.
A user's catalogue overlay is trained here in plain Python, starting from the shipped weights
(a few seconds, once: the result is cached with the rest of the index by `bot.cache`), so
neither scikit-learn nor numpy is needed at run time.

Scoring a question is a dictionary look-up per feature and one softmax: well under 0.1 ms.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import itertools
import json
import math
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.catalogue import Catalogue
from bot.text import compound_words, fold, stem

EPOCHS = 40
MIN_EPOCHS = 10
FULL_EPOCH_DOCS = 2500
LEARNING_RATE = 0.5
L2 = 1e-5
SEED = 7
HINT_REPEAT = 1  # hints lean towards a topic; aliases name it (each alias is its own document)
WARM_EPOCHS = 4  # an overlay starts from the shipped weights: a few passes learn its new text
WARM_G2 = 1.0  # and starts with damped steps, as if already trained, so it keeps what it knew
# Inverse L2 strength of the shipped fit: the best held-out log-loss in 3-fold cross-validation
# over the catalogue's own training documents (C = 5 / 20 / 50 / 150: 0.927 / 0.843 / 0.840 / 0.873).
SHIPPED_C = 50.0
SHIPPED_TOLERANCE = 1e-6
# The shipped fit also learns from the repository's labelled questions, each counted this often:
# questions written by different people, grouped by set in 5-fold cross-validation, lift layer
# accuracy on the held-out sets (`benchmarks/bench_generalise.py --cross-validate`).
EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "tests" / "data"
EXAMPLE_WEIGHT = 1


def ngrams(stems: Sequence[str]) -> list[str]:
    """Stemmed words and adjacent pairs: "control plane" means more than "control" and "plane"."""
    inside = compound_words(stems)
    grams = [word for i, word in enumerate(stems) if i not in inside]
    grams.extend(f"{a} {b}" for a, b in itertools.pairwise(stems))
    return grams


def _stems(text: str) -> list[str]:
    return [stem(w) for w in fold(text).split() if w != "s"]


def _phrase(text: str) -> str:
    """A catalogue phrase without its `^weight` suffix."""
    head, sep, tail = text.rpartition("^")
    if sep and head:
        try:
            float(tail)
            return head
        except ValueError:
            pass
    return text


def training_documents(catalogue: Catalogue) -> list[tuple[list[str], str]]:
    """(stemmed words, topic) pairs from every piece of catalogue text that describes a layer."""
    docs: list[tuple[list[str], str]] = []
    for topic in catalogue.topics.values():
        docs.append((_stems(topic.title), topic.id))
        if topic.description:
            docs.append((_stems(topic.description), topic.id))
        for sentence in topic.plain:  # the layer in plain words ("the actual computers underneath")
            docs.append((_stems(sentence), topic.id))
        for alias in topic.aliases:
            docs.append((_stems(_phrase(alias)), topic.id))
        for hint in topic.hints:
            for _ in range(HINT_REPEAT):
                docs.append((_stems(_phrase(hint)), topic.id))
    for service in catalogue.services.values():
        for cell in service.cells.values():
            if cell.service != service.id:
                continue  # a variant's inherited cell is its parent's text, counted once
            docs.append((_stems(cell.summary), cell.topic))
            for alias in cell.aliases:
                docs.append((_stems(alias), cell.topic))
            for part in cell.parts:  # a facet of the layer is still that layer
                docs.append((_stems(part.summary), cell.topic))
                for phrase in part.when:
                    docs.append((_stems(phrase), cell.topic))
    # The same text twice (an alias a topic and a cell share, copies of a service) is one piece
    # of evidence, and training time follows the distinct text, not the catalogue's size.
    seen: set[tuple[str, tuple[str, ...]]] = set()
    unique: list[tuple[list[str], str]] = []
    for words, label in docs:
        key = (label, tuple(words))
        if words and key not in seen:
            seen.add(key)
            unique.append((words, label))
    return unique


@dataclass(frozen=True)
class TopicModel:
    """Exported weights: one row of class weights per feature (flat, so the cache loads fast), and IDFs."""

    classes: tuple[str, ...]
    idf: dict[str, float]
    rows: dict[str, int]  # feature -> its row in `weights`
    weights: array[float]  # len(rows) x len(classes), row-major
    bias: tuple[float, ...]

    def __getstate__(self) -> dict[str, object]:
        """Pickled as one string of features and flat arrays: the cache of a cold `ask` loads
        tens of thousands of features, and two dicts of them pickle as 100,000 objects."""
        features = sorted(self.rows, key=self.rows.__getitem__)
        return {
            "classes": self.classes,
            "features": "\n".join(features),
            "idf": array("d", (self.idf[f] for f in features)),
            "weights": self.weights,
            "bias": self.bias,
        }

    def __setstate__(self, state: dict[str, object]) -> None:
        text = state["features"]
        features = text.split("\n") if isinstance(text, str) and text else []
        idf = state["idf"]
        if not isinstance(idf, array):
            raise TypeError("not a pickled TopicModel")  # the cache treats it as unreadable
        for name, value in (
            ("classes", state["classes"]),
            ("idf", dict(zip(features, idf, strict=True))),
            ("rows", {f: i for i, f in enumerate(features)}),
            ("weights", state["weights"]),
            ("bias", state["bias"]),
        ):
            object.__setattr__(self, name, value)  # frozen: set once, here

    def vector(self, stems: Sequence[str], boost: Iterable[int] = ()) -> dict[str, float]:
        """The question's known features, TF-IDF weighted and L2-normalised.

        `boost` holds word positions (the sentence that asks, in a long message) that count double.
        """
        boosted = set(boost)
        inside = compound_words(stems)
        counts: dict[str, float] = {}
        for i, word in enumerate(stems):
            factor = 2.0 if i in boosted else 1.0
            if word in self.idf and i not in inside:
                counts[word] = counts.get(word, 0.0) + factor
            if i + 1 < len(stems):
                pair = f"{word} {stems[i + 1]}"
                if pair in self.idf:
                    counts[pair] = counts.get(pair, 0.0) + factor
        vec = {f: (1.0 + math.log(c)) * self.idf[f] for f, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        return {f: v / norm for f, v in vec.items()} if norm else {}

    def probabilities(self, vec: dict[str, float]) -> dict[str, float]:
        logits = list(self.bias)
        k = len(logits)
        weights = self.weights
        for feature, value in vec.items():
            start = self.rows[feature] * k
            for c in range(k):
                logits[c] += weights[start + c] * value
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return {cls: e / total for cls, e in zip(self.classes, exps, strict=True)}


def train(docs: Sequence[tuple[list[str], str]], classes: Sequence[str], start: TopicModel | None = None) -> TopicModel:
    """Multinomial logistic regression by SGD with AdaGrad steps, in plain Python.

    With `start` (the shipped model), training continues from its weights for the features and
    layers both know: an overlay that adds a few services or phrases costs a few passes instead
    of a full training (seconds instead of tens of seconds, on the first `ask` after a change).
    """
    grammed, idf, index, rows = _design(docs, classes)
    features = sorted(idf)
    k = len(classes)
    weights = [[0.0] * k for _ in features]
    g2 = [[1e-8] * k for _ in features]
    bias = [0.0] * k
    bias_g2 = [1e-8] * k
    # A bigger catalogue gives more updates per pass: fewer passes keep a cold training to
    # seconds (the built-in catalogue, ~2,500 documents, gets all EPOCHS).
    epochs = max(MIN_EPOCHS, min(EPOCHS, round(EPOCHS * FULL_EPOCH_DOCS / max(1, len(rows)))))
    if start is not None:
        epochs = _warm_start(start, classes, features, weights, g2, bias, bias_g2)
    for epoch in range(epochs):
        for r in _pass_order(grammed, epoch):
            vec, label = rows[r]
            logits = bias[:]
            for i, v in vec:
                wi = weights[i]
                for c in range(k):
                    logits[c] += wi[c] * v
            top = max(logits)
            exps = [math.exp(x - top) for x in logits]
            total = sum(exps)
            grad = [e / total for e in exps]
            grad[label] -= 1.0
            for c in range(k):
                bias_g2[c] += grad[c] * grad[c]
                bias[c] -= LEARNING_RATE * grad[c] / math.sqrt(bias_g2[c])
            for i, v in vec:
                wi, gi = weights[i], g2[i]
                for c in range(k):
                    g = grad[c] * v + L2 * wi[c]
                    gi[c] += g * g
                    wi[c] -= LEARNING_RATE * g / math.sqrt(gi[c])
    flat = array("f")  # float32: half the cache, and the model never needs more precision
    for row in weights:
        flat.extend(row)
    return TopicModel(classes=tuple(classes), idf=idf, rows=index, weights=flat, bias=tuple(bias))


def _design(
    docs: Sequence[tuple[list[str], str]], classes: Sequence[str]
) -> tuple[list[tuple[list[str], int]], dict[str, float], dict[str, int], list[tuple[list[tuple[int, float]], int]]]:
    """The documents as features: (n-grams, label) pairs, IDFs, feature columns, and each
    document's L2-normalised TF-IDF row, exactly as `TopicModel.vector` weighs a question."""
    class_index = {c: i for i, c in enumerate(classes)}
    grammed = [(ngrams(words), class_index[topic]) for words, topic in docs if topic in class_index]
    df: Counter[str] = Counter()
    for grams, _ in grammed:
        df.update(set(grams))
    n_docs = len(grammed)
    idf = {f: math.log((1 + n_docs) / (1 + d)) + 1.0 for f, d in df.items()}
    index = {f: i for i, f in enumerate(sorted(idf))}
    rows: list[tuple[list[tuple[int, float]], int]] = []
    for grams, label in grammed:
        counts = Counter(grams)
        vec = [(index[f], (1.0 + math.log(c)) * idf[f]) for f, c in counts.items()]
        norm = math.sqrt(sum(v * v for _, v in vec)) or 1.0
        rows.append(([(i, v / norm) for i, v in vec], label))
    return grammed, idf, index, rows


def fit(docs: Sequence[tuple[list[str], str]], classes: Sequence[str]) -> TopicModel:
    """The shipped model: the same features and loss as `train`, fitted to convergence by
    scikit-learn's L-BFGS (about half a minute). The optimum of a convex loss is unique and moves
    smoothly with the text, so an edit to one layer's phrases changes the answers about that
    layer and leaves the others alone; needs the `train` extra (`pip install -e .[train]`)."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    _, idf, index, rows = _design(docs, classes)
    values = [v for vec, _ in rows for _, v in vec]
    columns = [i for vec, _ in rows for i, _ in vec]
    starts = np.cumsum([0] + [len(vec) for vec, _ in rows])
    matrix = csr_matrix((values, columns, starts), shape=(len(rows), len(index)))
    labels = np.array([label for _, label in rows])
    model = LogisticRegression(C=SHIPPED_C, tol=SHIPPED_TOLERANCE, max_iter=5000)
    model.fit(matrix, labels)
    weights = np.zeros((len(index), len(classes)), dtype=np.float32)
    weights[:, model.classes_] = model.coef_.T
    bias = np.zeros(len(classes))
    bias[model.classes_] = model.intercept_
    flat = array("f")
    flat.frombytes(weights.tobytes())
    return TopicModel(
        classes=tuple(classes), idf=idf, rows=index, weights=flat, bias=tuple(float(b) for b in bias)
    )


def _pass_order(grammed: Sequence[tuple[list[str], int]], epoch: int) -> list[int]:
    """The documents' order in one pass: shuffled by a hash of each document's own text, so adding
    or removing one document leaves every other document's place relative to the rest unchanged.
    (A seeded shuffle of positions reorders everything after any edit, and the retrained model then
    moves borderline answers that have nothing to do with the edit.)"""

    def key(r: int) -> bytes:
        grams, label = grammed[r]
        text = f"{SEED}/{epoch}/{label}/" + " ".join(grams)
        return hashlib.blake2b(text.encode(), digest_size=8).digest()

    return sorted(range(len(grammed)), key=lambda r: (key(r), r))


def _warm_start(
    start: TopicModel,
    classes: Sequence[str],
    features: Sequence[str],
    weights: list[list[float]],
    g2: list[list[float]],
    bias: list[float],
    bias_g2: list[float],
) -> int:
    """Copy `start`'s weights into the new arrays (in place); the number of passes still needed."""
    known = {c: i for i, c in enumerate(start.classes)}
    mapping = [(c, known[cls]) for c, cls in enumerate(classes) if cls in known]
    width = len(start.classes)
    for c, old in mapping:
        bias[c] = start.bias[old]
        bias_g2[c] = WARM_G2
    for i, feature in enumerate(features):
        row = start.rows.get(feature)
        if row is None:
            continue
        base = row * width
        for c, old in mapping:
            weights[i][c] = start.weights[base + old]
            g2[i][c] = WARM_G2
    return WARM_EPOCHS


_MEMO: dict[str, TopicModel] = {}


def training_digest(docs: Sequence[tuple[list[str], str]], classes: Sequence[str]) -> str:
    # The code is part of the key: a model pickled by another version of this module is never read.
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(repr((EPOCHS, LEARNING_RATE, L2, SEED, SHIPPED_C, SHIPPED_TOLERANCE, tuple(classes))).encode())
    for words, topic in docs:
        digest.update(f"{topic}\t{' '.join(words)}\n".encode())
    return digest.hexdigest()[:32]


SHIPPED = "topic-model.json.gz"  # in the built-in catalogue directory: weights for its own text


def export(model: TopicModel, digest: str, path: Path, *, examples: str | None = None) -> None:
    """Write weights as gzipped JSON (weights base64 float32), keyed by the digest of the catalogue
    text; `examples` is the digest of the labelled questions it also learnt from."""
    body = {
        "digest": digest,
        "examples": examples,
        "classes": list(model.classes),
        "bias": list(model.bias),
        "features": sorted(model.rows, key=lambda f: model.rows[f]),
        "idf": [model.idf[f] for f in sorted(model.rows, key=lambda f: model.rows[f])],
        "weights": base64.b64encode(model.weights.tobytes()).decode("ascii"),
    }
    path.write_bytes(gzip.compress(json.dumps(body, separators=(",", ":")).encode(), mtime=0))


def _read_shipped(path: Path) -> dict[str, Any] | None:
    try:
        body = json.loads(gzip.decompress(path.read_bytes()))
    except (OSError, ValueError, EOFError):
        return None
    return body if isinstance(body, dict) else None


def shipped_examples(path: Path) -> str | None:
    """The digest of the labelled questions the shipped weights learnt from, if any."""
    body = _read_shipped(path)
    examples = body.get("examples") if body else None
    return examples if isinstance(examples, str) else None


def load_shipped(path: Path, digest: str | None) -> TopicModel | None:
    """The shipped model when it was trained on exactly this text and code (any text when
    `digest` is None: the starting point of an overlay's training), else None."""
    body = _read_shipped(path)
    if body is None or (digest is not None and body.get("digest") != digest):
        return None
    weights = array("f")
    weights.frombytes(base64.b64decode(body["weights"]))
    features = body["features"]
    return TopicModel(
        classes=tuple(body["classes"]),
        idf=dict(zip(features, body["idf"], strict=True)),
        rows={f: i for i, f in enumerate(features)},
        weights=weights,
        bias=tuple(body["bias"]),
    )


def model_for(catalogue: Catalogue) -> TopicModel:
    """The trained model for this catalogue's text.

    In order: memoised in this process; the weights shipped with the built-in catalogue (so a
    fresh install or a Lambda cold start never trains); the user's cache; else trained here
    (a few seconds, for a DEMARC_CATALOGUE overlay that changes layer text) and cached.
    """
    from bot.cache import cached_as
    from bot.paths import builtin_catalogue_dir

    docs = training_documents(catalogue)
    classes = catalogue.topic_order
    key = training_digest(docs, classes)
    if key not in _MEMO:
        path = builtin_catalogue_dir() / SHIPPED
        shipped = load_shipped(path, key)
        _MEMO[key] = shipped or cached_as(
            "topicmodel", key, lambda: train(docs, classes, start=load_shipped(path, None)), TopicModel
        )
    return _MEMO[key]


def labelled_questions(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(question, layer) for every labelled question with one layer: the cell questions of the
    in-format sets and the questions of the outside sets (../shared/QUESTIONS.md)."""
    out: list[tuple[str, str]] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            topic, question = row.get("topic"), row.get("question")
            outside = "aws_service" in row
            if isinstance(topic, str) and isinstance(question, str) and (outside or row.get("kind") == "cell"):
                out.append((question, topic))
    return out


def example_paths() -> list[Path]:
    """The labelled question sets the shipped model also learns from (the repository's own, not
    the public ../shared sets, which stay first-sight for it)."""
    return sorted(EXAMPLES_DIR.glob("questions_*.jsonl"))


def examples_digest(examples: Sequence[tuple[str, str]]) -> str:
    digest = hashlib.sha256(repr(EXAMPLE_WEIGHT).encode())
    for question, topic in examples:
        digest.update(f"{topic}\t{question}\n".encode())
    return digest.hexdigest()[:32]


def example_documents(catalogue: Catalogue, examples: Sequence[tuple[str, str]]) -> list[tuple[list[str], str]]:
    """The questions as the matcher's layer model reads them, each EXAMPLE_WEIGHT times."""
    from bot.matcher import Matcher  # the matcher imports this module

    classes = catalogue.topic_order
    reader = Matcher(catalogue, topics=TopicModel(tuple(classes), {}, {}, array("f"), (0.0,) * len(classes)))
    docs = [(reader.layer_words(q), t) for q, t in examples if t in catalogue.topics]
    return [doc for doc in docs if doc[0]] * EXAMPLE_WEIGHT


def main() -> None:
    """`python -m bot.topic_model`: fit the built-in catalogue's text and the repository's
    labelled questions, and ship the weights."""
    from bot.catalogue import load_catalogue
    from bot.paths import builtin_catalogue_dir

    directory = builtin_catalogue_dir()
    catalogue = load_catalogue([directory])
    docs = training_documents(catalogue)
    key = training_digest(docs, catalogue.topic_order)
    examples = labelled_questions(example_paths())
    if not examples:
        raise SystemExit(f"no labelled questions in {EXAMPLES_DIR}: fit the shipped model from a source checkout")
    model = fit(docs + example_documents(catalogue, examples), catalogue.topic_order)
    export(model, key, directory / SHIPPED, examples=examples_digest(examples))
    sys.stdout.write(f"wrote {directory / SHIPPED} ({key}; {len(examples)} labelled questions)\n")


if __name__ == "__main__":
    main()
