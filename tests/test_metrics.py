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
    with pytest.raises(ValueError,
                       match=r"class indices in 0..2 \(classes=3\), got values from -1 to 1"):
        M.confusion_matrix([0, 1, -1], [0, 1, 1], classes=3)
    with pytest.raises(ValueError, match="whole numbers"):
        M.accuracy([0.5, 1], [0, 1])
    with pytest.raises(ValueError, match="both positive and negative"):
        M.roc_curve([True, True], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"scores must be finite"):
        M.roc_curve([True, False], [np.nan, 0.2])


def test_auc_refuses_unsorted_fpr_and_unequal_lengths():
    with pytest.raises(ValueError, match=r"fpr must be non-decreasing .* but fpr\[2\] = 0.5 < "
                                         r"fpr\[1\] = 1: sort the points by fpr"):
        M.auc([0, 1, 0.5], [0, 0.7, 1])  # used to return a negative area
    with pytest.raises(ValueError, match=r"fpr and tpr must have the same length \(one point "
                                         r"each\), got 2 and 3"):
        M.auc([0, 1], [0, 1, 1])  # used to return 0.5
    fpr, tpr = [0, 0.2, 0.2, 1], [0, 0.5, 0.8, 1]
    assert M.auc(fpr, tpr) == pytest.approx(sk.auc(fpr, tpr))


def test_roc_curve_refuses_multiclass_labels():
    y, scores = np.array([0, 1, 2, 3, 1, 0]), np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    with pytest.raises(ValueError, match=r"positive must be booleans or 0/1 .*got values "
                                         r"\[0, 1, 2, 3\]: for class k against the rest pass "
                                         r"positive=\(y == k\)"):
        M.roc_curve(y, scores)
    with pytest.raises(ValueError, match="positive must be booleans or 0/1"):
        M.confusion_at_threshold(y, scores, 0.3)
    ours = M.roc_curve(y == 1, scores)
    fpr, tpr, _ = sk.roc_curve(y == 1, scores, drop_intermediate=False)
    np.testing.assert_allclose(ours.fpr, fpr)
    np.testing.assert_allclose(ours.tpr, tpr)
    np.testing.assert_allclose(M.roc_curve((y == 1).astype(int), scores).tpr, tpr)


def test_confusion_matrix_refuses_huge_labels():
    with pytest.raises(ValueError, match=r"labels must be class indices 0..K-1 with K <= "
                                         r"10,000, but the largest label asks for K = "
                                         r"10,000,001 .*np.unique"):
        M.confusion_matrix([0, 10**7], [0, 0])  # used to ask for 728 TiB
    with pytest.raises(ValueError, match=r"the classes argument asks for K = 20,000"):
        M.confusion_matrix([0, 1], [0, 0], classes=20_000)
    with pytest.raises(ValueError, match=r"classes must be a whole number"):
        M.confusion_matrix([0, 1], [0, 0], classes=2.5)
    y, p = [0, 2, 1, 2, 9999], [0, 1, 1, 2, 9999]
    cm = M.confusion_matrix(y, p)
    np.testing.assert_array_equal(cm, sk.confusion_matrix(y, p, labels=range(10_000)))
