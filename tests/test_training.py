"""course_utils.training: fit learns a learnable task, stops on NaN, keeps its history."""

import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils.data import digits_loaders
from course_utils.training import evaluate, fit, predict


def _toy_loaders(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    y = (x[:, 0] * x[:, 1] > 0).long()  # XOR of the signs: needs a hidden layer
    ds = TensorDataset(x, y)
    return DataLoader(ds, batch_size=32, shuffle=True, generator=g), DataLoader(ds, batch_size=64)


def test_fit_learns_a_learnable_task_and_records_history():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))
    train, val = _toy_loaders()
    before = evaluate(model, val)[0]
    history = fit(model, train, epochs=30, lr=0.01, val_loader=val, live=False, progress=False)
    assert history.stopped is None and history.epoch == list(range(1, 31))
    assert history.train_loss[-1] < history.train_loss[0] / 3
    assert history.val_loss[-1] < before / 3 and history.val_acc[-1] > 0.95
    assert history.seconds == sorted(history.seconds)
    loss, acc = evaluate(model, val)
    assert loss == pytest.approx(history.val_loss[-1]) and acc == history.val_acc[-1]
    logits, targets = predict(model, val)
    assert logits.shape == (256, 2) and (logits.argmax(1) == targets).float().mean() == acc


def test_fit_on_real_digits():
    torch.manual_seed(0)
    train, test = digits_loaders(batch_size=64)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    history = fit(model, train, epochs=8, lr=3e-3, val_loader=test, live=False, progress=False)
    assert history.val_acc[-1] > 0.9


def test_nan_loss_stops_training_with_a_clear_message():
    model = nn.Sequential(nn.Linear(2, 2))
    with torch.no_grad():
        model[0].weight[0, 0] = float("nan")  # what a diverged run leaves behind
    x = torch.ones(8, 2)
    loader = DataLoader(TensorDataset(x, torch.zeros(8, dtype=torch.long)), batch_size=4)
    with pytest.warns(RuntimeWarning, match="training stopped: loss became nan at epoch 1"):
        history = fit(model, loader, epochs=3, live=False, progress=False)
    assert history.stopped.startswith("loss became nan at epoch 1, step 1")
    assert history.epoch == []


def test_nan_in_the_data_is_refused_before_the_model_runs():
    x = torch.tensor([[1.0, float("nan")]] * 8)
    loader = DataLoader(TensorDataset(x, torch.zeros(8, dtype=torch.long)), batch_size=4)
    with pytest.raises(ValueError, match="train_loader yielded x holding NaN or inf"):
        fit(nn.Sequential(nn.Linear(2, 2)), loader, epochs=1, live=False, progress=False)
    with pytest.raises(ValueError, match=r"model\(x\) failed on a batch from train_loader "
                                         r"\(x torch.float16 \(4, 2\)\)"):
        fit(nn.Linear(2, 2), [(torch.ones(4, 2).half(), torch.zeros(4).long())], epochs=1,
            live=False, progress=False)


def test_regression_history_has_nan_accuracy_and_time_budget_stops():
    x = torch.randn(64, 3)
    loader = DataLoader(TensorDataset(x, x.sum(1, keepdim=True)), batch_size=16)
    history = fit(nn.Linear(3, 1), loader, epochs=50, loss_fn=nn.MSELoss(), live=False,
                  progress=False, max_seconds=0.0)
    assert len(history.epoch) == 1 and math.isnan(history.train_acc[0])
    assert "time budget" in history.stopped


def test_bad_inputs_get_clear_errors():
    train, _ = _toy_loaders()
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        fit(nn.Linear(2, 2), train, epochs=0, live=False)
    with pytest.raises(ValueError, match="no batches"):
        evaluate(nn.Linear(2, 2), [])


def test_an_empty_training_loader_is_refused_not_reported_as_loss_zero():
    empty = DataLoader(TensorDataset(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long)),
                       batch_size=4)
    with pytest.raises(ValueError, match=r"train_loader yields no batches \(the training loader "
                                         r"is empty\): give it at least one \(x, y\) batch"):
        fit(nn.Linear(2, 2), empty, epochs=1, live=False, progress=False)
    torch.manual_seed(0)
    x = torch.randn(8, 2)
    one = DataLoader(TensorDataset(x, torch.zeros(8, dtype=torch.long)), batch_size=8)
    model = nn.Linear(2, 2)
    expected = nn.functional.cross_entropy(model(x), torch.zeros(8, dtype=torch.long)).item()
    history = fit(model, one, epochs=1, lr=0.0, live=False, progress=False)
    assert history.train_loss == [pytest.approx(expected)]  # the good input: torch's loss


def test_a_tuple_or_numpy_batches_get_a_type_error_saying_what_a_loader_is():
    x, y = torch.randn(8, 2), torch.zeros(8, dtype=torch.long)
    hint = r"a DataLoader of \(x, y\) tensor batches, e.g. DataLoader\(TensorDataset\("
    with pytest.raises(TypeError, match=rf"train_loader must be {hint}.*; got a tuple"):
        fit(nn.Linear(2, 2), (x, y), epochs=1, live=False, progress=False)
    with pytest.raises(TypeError, match=rf"val_loader must be {hint}.*; got a ndarray"):
        fit(nn.Linear(2, 2), [(x, y)], epochs=1, val_loader=x.numpy(), live=False,
            progress=False)
    numpy_batches = [(x.numpy(), y.numpy())]
    with pytest.raises(TypeError, match=rf"train_loader must yield torch tensors, {hint}.*got x "
                                        r"of type numpy.ndarray"):
        fit(nn.Linear(2, 2), numpy_batches, epochs=1, live=False, progress=False)
    with pytest.raises(TypeError, match=r"loader must yield torch tensors.*got y of type "
                                        r"numpy.ndarray"):
        evaluate(nn.Linear(2, 2), [(x, y.numpy())])
    history = fit(nn.Linear(2, 2), DataLoader(TensorDataset(x, y), batch_size=4), epochs=2,
                  live=False, progress=False)
    assert len(history.train_loss) == 2 and all(math.isfinite(v) for v in history.train_loss)
