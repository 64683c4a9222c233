"""course_utils.metrics.classification against scikit-learn."""

import numpy as np
import pytest
from sklearn import metrics as sk

from course_utils import metrics as M


@pytest.mark.parametrize("seed", range(8))
def test_label_metrics_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    y = rng.integers(0, k, size=60)
    pred = np.where(rng.random(60) < 0.7, y, rng.integers(0, k, size=60))
    assert M.accuracy(y, pred) == pytest.approx(sk.accuracy_score(y, pred))
    assert M.error_rate(y, pred) == pytest.approx(1 - sk.accuracy_score(y, pred))
    assert M.balanced_error_rate(y, pred) == pytest.approx(1 - sk.balanced_accuracy_score(y, pred))
    cm = M.confusion_matrix(y, pred, classes=k)
    np.testing.assert_array_equal(cm, sk.confusion_matrix(y, pred, labels=range(k)))
    rates = M.tp_fp_rates(y, pred, classes=k)
    for c in range(k):
        t, p = y == c, pred == c
        assert rates.tpr[c] == pytest.approx(sk.recall_score(t, p))
        tn, fp, fn, tp = sk.confusion_matrix(t, p, labels=[False, True]).ravel()
        assert rates.fpr[c] == pytest.approx(fp / (fp + tn))


@pytest.mark.parametrize("seed", range(8))
def test_roc_and_auc_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    positive = rng.random(80) < 0.4
    scores = np.round(rng.normal(size=80) + positive, 1)  # ties on purpose
    ours = M.roc_curve(positive, scores)
    fpr, tpr, thr = sk.roc_curve(positive, scores, drop_intermediate=False)
    np.testing.assert_allclose(ours.fpr, fpr)
    np.testing.assert_allclose(ours.tpr, tpr)
    np.testing.assert_allclose(ours.thresholds[1:], thr[1:])
    assert M.auc(ours.fpr, ours.tpr) == pytest.approx(sk.roc_auc_score(positive, scores))
    t = float(np.median(scores))
    tn, fp, fn, tp = sk.confusion_matrix(positive, scores >= t).ravel()
    np.testing.assert_array_equal(M.confusion_at_threshold(positive, scores, t),
                                  [[tn, fp], [fn, tp]])


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match="same length, got 3 and 2"):
        M.accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match=r"class indices in 0..2, got values from -1 to 1"):
        M.confusion_matrix([0, 1, -1], [0, 1, 1], classes=3)
    with pytest.raises(ValueError, match="whole numbers"):
        M.accuracy([0.5, 1], [0, 1])
    with pytest.raises(ValueError, match="both positive and negative"):
        M.roc_curve([True, True], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"scores must be finite"):
        M.roc_curve([True, False], [np.nan, 0.2])
