"""course_utils.losses and optim: gradients against torch, trajectories against torch.optim."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils import losses
from course_utils.optim import (
    OPTIMIZERS,
    SGD,
    SURFACES,
    Adam,
    gradient_descent,
    hessian,
    make_optimizer,
    run_optimizer,
    softmax_regression,
    softmax_regression_loss,
    stable_lr,
    torch_trajectory,
)


@pytest.mark.parametrize("seed", range(5))
def test_l1_mse_bce_match_torch(seed):
    rng = np.random.default_rng(seed)
    pred, target = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    for ours, theirs in ((losses.l1_loss, F.l1_loss), (losses.mse, F.mse_loss)):
        pt = torch.tensor(pred, requires_grad=True)
        ref = theirs(pt, torch.tensor(target))
        ref.backward()
        loss, grad = ours(pred, target)
        assert abs(loss - ref.item()) < 1e-12
        np.testing.assert_allclose(grad, pt.grad.numpy(), atol=1e-12)
    p, y = rng.uniform(0.01, 0.99, size=10), rng.uniform(0, 1, size=10)
    pt = torch.tensor(p, requires_grad=True)
    ref = F.binary_cross_entropy(pt, torch.tensor(y))
    ref.backward()
    loss, grad = losses.binary_cross_entropy(p, y)
    assert abs(loss - ref.item()) < 1e-12
    np.testing.assert_allclose(grad, pt.grad.numpy(), rtol=1e-9)


def test_bce_at_the_edges_is_finite_as_in_torch():
    p, y = np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0])
    ref = F.binary_cross_entropy(torch.tensor(p), torch.tensor(y)).item()
    assert abs(losses.binary_cross_entropy(p, y)[0] - ref) < 1e-9


@pytest.mark.parametrize("seed", range(5))
def test_cross_entropy_and_log_softmax_match_torch(seed):
    rng = np.random.default_rng(seed)
    scores, y = rng.normal(scale=5, size=(6, 4)), rng.integers(0, 4, size=6)
    st = torch.tensor(scores, requires_grad=True)
    ref = F.cross_entropy(st, torch.tensor(y))
    ref.backward()
    loss, grad = losses.cross_entropy(scores, y)
    assert abs(loss - ref.item()) < 1e-12
    np.testing.assert_allclose(grad, st.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(losses.log_softmax(scores),
                               F.log_softmax(torch.tensor(scores), dim=-1).numpy(), atol=1e-12)


def test_naive_softmax_overflows_and_the_stable_one_does_not():
    z = np.array([[1000.0, 1001.0, 1002.0]])
    assert np.isnan(losses.softmax_naive(z)).all()
    np.testing.assert_allclose(losses.softmax(z), losses.softmax_naive(z - 1002), atol=1e-15)
    np.testing.assert_allclose(losses.softmax(z), torch.softmax(torch.tensor(z), -1).numpy())


def _torch_optimizer(name, params, lr, momentum=0.9, betas=(0.9, 0.999)):
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas)
    return torch.optim.SGD(params, lr=lr, momentum=0.0 if name == "sgd" else momentum,
                           nesterov=name == "nesterov")


STEPS = 150


@pytest.mark.parametrize("surface", list(SURFACES))
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_trajectories_match_torch_optim(name, surface):
    lr = {"ill-conditioned quadratic": 0.03, "rosenbrock": 1e-4, "saddle": 0.05,
          "badly scaled bowl": 0.01}[surface]
    if name == "adam":
        lr *= 10
    ours = run_optimizer(make_optimizer(name, lr=lr, momentum=0.8, betas=(0.8, 0.99)), surface,
                         steps=STEPS)
    p = torch.tensor(SURFACES[surface].start, dtype=torch.float64, requires_grad=True)
    opt = _torch_optimizer(name, [p], lr, momentum=0.8, betas=(0.8, 0.99))
    path = [p.detach().numpy().copy()]
    for _ in range(STEPS):
        opt.zero_grad()
        SURFACES[surface].f(p[0], p[1]).backward()
        opt.step()
        path.append(p.detach().numpy().copy())
    assert not ours.diverged and len(ours.points) == STEPS + 1
    np.testing.assert_allclose(ours.points, np.array(path), rtol=1e-9, atol=1e-12)
    helper = torch_trajectory(name, surface, lr=lr, steps=STEPS, momentum=0.8, betas=(0.8, 0.99))
    np.testing.assert_array_equal(helper, np.array(path))  # the notebook's oracle is torch's


def test_surface_gradients_match_autograd():
    rng = np.random.default_rng(0)
    for s in SURFACES.values():
        for x, y in rng.uniform(-2, 2, size=(5, 2)):
            p = torch.tensor([x, y], requires_grad=True)
            s.f(p[0], p[1]).backward()
            np.testing.assert_allclose(s.grad(x, y), p.grad.numpy(), rtol=1e-12)


def test_weight_decay_matches_torch():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 2))
    opt = SGD(lr=0.1, momentum=0.9, weight_decay=0.01)
    wt = torch.tensor(w, requires_grad=True)
    topt = torch.optim.SGD([wt], lr=0.1, momentum=0.9, weight_decay=0.01)
    for _ in range(100):
        (w,) = opt.step([w], [2 * w])
        topt.zero_grad()
        (wt**2).sum().backward()
        topt.step()
    np.testing.assert_allclose(w, wt.detach().numpy(), rtol=1e-10)


def test_divergence_stops_cleanly():
    path = run_optimizer(SGD(lr=0.1), "ill-conditioned quadratic", steps=200)
    assert path.diverged and np.isfinite(path.points).all() and len(path.points) < 200


def test_loss_that_grows_a_hundredfold_is_divergence():
    # |1 - 25 * 0.081| = 1.025 per step: y grows 1.025^100 = 11.8x, the loss more than 100x
    path = run_optimizer(SGD(lr=0.081), "ill-conditioned quadratic", steps=100)
    assert path.diverged and path.losses.max() <= 100 * path.losses[0]
    assert not run_optimizer(SGD(lr=0.081), "ill-conditioned quadratic", steps=100,
                             growth=1e6).diverged
    stable = run_optimizer(SGD(lr=0.079), "ill-conditioned quadratic", steps=100)
    assert not stable.diverged and stable.losses[-1] < stable.losses[0]


@pytest.mark.parametrize("surface", list(SURFACES))
def test_hessian_matches_autograd(surface):
    rng = np.random.default_rng(2)
    for point in rng.uniform(-2, 2, size=(3, 2)):
        ref = torch.autograd.functional.hessian(
            lambda p: SURFACES[surface].f(p[0], p[1]), torch.tensor(point))
        np.testing.assert_allclose(hessian(surface, point), ref.numpy(), rtol=1e-6, atol=1e-5)


def test_stable_lr_is_two_over_the_largest_curvature():
    assert stable_lr("ill-conditioned quadratic", (0.3, -1.0)) == pytest.approx(2 / 25)
    assert stable_lr("badly scaled bowl", (1.0, 1.0)) == pytest.approx(2 / 100)
    lr = stable_lr("ill-conditioned quadratic", (0.0, 0.0))
    assert not run_optimizer(SGD(lr=0.99 * lr), "ill-conditioned quadratic", steps=500).diverged
    assert run_optimizer(SGD(lr=1.01 * lr), "ill-conditioned quadratic", steps=500).diverged


def test_softmax_regression_loss_alone_matches_with_gradient():
    rng = np.random.default_rng(3)
    w, x, y = rng.normal(size=(6, 4)), rng.normal(size=(9, 5)), rng.integers(0, 4, size=9)
    assert softmax_regression_loss(w, x, y) == pytest.approx(softmax_regression(w, x, y)[0],
                                                              abs=1e-12)
    scores = torch.tensor(np.column_stack([x, np.ones(9)]) @ w)
    assert softmax_regression_loss(w, x, y) == pytest.approx(
        F.cross_entropy(scores, torch.tensor(y)).item(), abs=1e-12)


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match="lr must be >= 0.0, got -0.1"):
        SGD(lr=-0.1)
    with pytest.raises(ValueError, match="Nesterov momentum needs momentum > 0"):
        SGD(lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"betas must be a pair \(beta1, beta2\) of numbers in "
                                         r"\[0, 1\), e.g. \(0.9, 0.999\), got \(1.5, 0.9\)"):
        Adam(betas=(1.5, 0.9))
    with pytest.raises(ValueError, match="unknown optimizer 'adma'. Did you mean 'adam'"):
        make_optimizer("adma", lr=0.1)
    with pytest.raises(ValueError, match=r"p must hold probabilities in \[0, 1\]"):
        losses.binary_cross_entropy([1.2], [1.0])
    with pytest.raises(ValueError, match=r"target must have the shape of pred, \(3,\)"):
        losses.l1_loss([1.0, 2.0, 3.0], [1.0])
    with pytest.raises(ValueError, match=r"class indices in 0..1"):
        losses.cross_entropy(np.zeros((1, 2)), [2])


@pytest.mark.parametrize("optimizer", [SGD(lr=0.1), SGD(lr=0.1, momentum=0.9), Adam(lr=0.1)])
def test_a_gradient_of_the_wrong_shape_is_refused_not_broadcast(optimizer):
    p, g = np.ones((3, 1)), np.array([0.5, 1.0, 2.0])
    with pytest.raises(ValueError, match=r"grads\[0\] must have the shape of params\[0\], "
                                         r"\(3, 1\), got \(3,\).*g\.reshape\(p\.shape\)"):
        optimizer.step([p], [g])
    (new,) = optimizer.step([p], [g.reshape(p.shape)])  # the good input still works
    assert new.shape == (3, 1)
    pt = torch.ones(3, 1, dtype=torch.float64, requires_grad=True)
    opt = (torch.optim.Adam([pt], lr=0.1) if isinstance(optimizer, Adam)
           else torch.optim.SGD([pt], lr=0.1, momentum=optimizer.momentum))
    pt.grad = torch.tensor(g.reshape(3, 1))
    opt.step()
    np.testing.assert_allclose(new, pt.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("lr", [float("nan"), float("inf"), 0.0, -0.1, "0.1"])
def test_gradient_descent_refuses_a_learning_rate_that_is_not_positive_and_finite(lr):
    def loss_and_grad(w):
        return float(w @ w), 2 * w

    with pytest.raises(ValueError, match=r"lr must be a positive finite number \(e.g. 0.1\), "
                                         r"got"):
        gradient_descent(loss_and_grad, [1.0, -2.0], steps=3, lr=lr)
    run = gradient_descent(loss_and_grad, [1.0, -2.0], steps=3, lr=0.25)
    np.testing.assert_allclose(run.best_loss, [5.0, 1.25, 0.3125])  # w halves each step: loss / 4


@pytest.mark.parametrize("betas", [0.9, (0.9,), (0.9, 1.0), (0.9, 0.999, 0.5), "0.9"])
def test_adam_betas_must_be_a_pair_in_zero_one(betas):
    with pytest.raises(ValueError, match=r"betas must be a pair \(beta1, beta2\) of numbers in "
                                         r"\[0, 1\), e.g. \(0.9, 0.999\), got"):
        Adam(betas=betas)
    assert (Adam(betas=[0.8, 0.99]).b1, Adam(betas=(0.8, 0.99)).b2) == (0.8, 0.99)


def _torch_sgd_softmax_regression(x, y, rows_per_step, lr):
    """The oracle: a torch linear layer trained by torch.optim.SGD on the given row batches."""
    w = torch.zeros(x.shape[1] + 1, int(y.max()) + 1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr)
    x1 = torch.cat([torch.tensor(x), torch.ones(len(x), 1, dtype=torch.float64)], dim=1)
    for rows in rows_per_step:
        opt.zero_grad()
        F.cross_entropy(x1[rows] @ w, torch.tensor(y[rows])).backward()
        opt.step()
    return F.cross_entropy(x1 @ w, torch.tensor(y)).item()


@pytest.mark.parametrize("batch_size", [1, 7, 40])
def test_minibatch_descent_matches_torch_sgd_on_the_same_batches(batch_size):
    from course_utils.optim import minibatch_descent

    rng = np.random.default_rng(batch_size)
    x, y = rng.normal(size=(40, 5)), rng.integers(0, 3, size=40)
    run = minibatch_descent(x, y, batch_size=batch_size, lr=0.1, examples=120, seed=3)
    # The same row order: a fresh permutation each time fewer than batch_size rows are left.
    order_rng, rows, order, cursor = np.random.default_rng(3), [], None, 0
    order = order_rng.permutation(40)
    for _ in range(120 // batch_size + 1):
        if cursor + batch_size > 40:
            order, cursor = order_rng.permutation(40), 0
        rows.append(order[cursor:cursor + batch_size])
        cursor += batch_size
    assert run.examples[-1] == 120 // batch_size * batch_size
    assert run.loss[-1] == pytest.approx(
        _torch_sgd_softmax_regression(x, y, rows[:run.examples[-1] // batch_size], 0.1), abs=1e-10)
    assert run.loss[0] == pytest.approx(np.log(3))
    # Training time is updates x one (median) update's time: proportional to the updates made.
    updates = run.examples // batch_size
    assert np.all(np.diff(run.seconds) >= 0) and run.seconds[0] == 0
    np.testing.assert_allclose(run.seconds[1:] / updates[1:], run.seconds[-1] / updates[-1])


def test_minibatch_descent_refuses_a_batch_larger_than_the_data():
    from course_utils.optim import minibatch_descent

    x, y = np.zeros((10, 2)), np.zeros(10, dtype=int)
    with pytest.raises(ValueError, match="batch_size"):
        minibatch_descent(x, y, batch_size=11, lr=0.1, examples=20)
