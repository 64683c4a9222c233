"""Batch norm from scratch against nn.BatchNorm2d; residual blocks against torchvision's."""

import pytest
import torch
from torchvision.models.resnet import BasicBlock, Bottleneck

from course_utils.architectures import BottleneckBlock, ResidualBlock, depth_net
from course_utils.normalisation import BatchNorm2d


@pytest.mark.parametrize("seed", range(4))
def test_batchnorm_matches_torch_in_both_modes_with_gradients(seed):
    torch.manual_seed(seed)
    ours, theirs = BatchNorm2d(3).double(), torch.nn.BatchNorm2d(3).double()
    with torch.no_grad():
        ours.gamma.uniform_(0.5, 2)
        ours.beta.normal_()
        theirs.weight.copy_(ours.gamma)
        theirs.bias.copy_(ours.beta)
    for _ in range(3):  # several training steps update the running statistics
        x = torch.randn(5, 3, 4, 6, dtype=torch.float64) * 3 + 1
        xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
        g = torch.randn_like(x)
        ours(xa).backward(g)
        theirs(xb).backward(g)
        torch.testing.assert_close(xa.grad, xb.grad)
        torch.testing.assert_close(ours.gamma.grad, theirs.weight.grad)
        ours.gamma.grad = theirs.weight.grad = None
    torch.testing.assert_close(ours.running_mean, theirs.running_mean)
    torch.testing.assert_close(ours.running_var, theirs.running_var)
    ours.eval()
    theirs.eval()
    x = torch.randn(2, 3, 4, 4, dtype=torch.float64)
    torch.testing.assert_close(ours(x), theirs(x))


def test_batchnorm_bad_inputs():
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3, H, W\)"):
        BatchNorm2d(3)(torch.zeros(2, 4, 3, 3))
    with pytest.raises(ValueError, match="more than one value per channel"):
        BatchNorm2d(3)(torch.zeros(1, 3, 1, 1))


@pytest.mark.parametrize(("c_in", "c_out", "stride"), [(64, 64, 1), (64, 128, 2)])
def test_residual_block_matches_torchvision_basic_block(c_in, c_out, stride):
    ours = ResidualBlock(c_in, c_out, stride)
    down = None if stride == 1 and c_in == c_out else torch.nn.Sequential(
        torch.nn.Conv2d(c_in, c_out, 1, stride, bias=False), torch.nn.BatchNorm2d(c_out))
    theirs = BasicBlock(c_in, c_out, stride, down)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(ours) == count(theirs)
    x = torch.randn(2, c_in, 16, 16)
    assert ours(x).shape == theirs(x).shape == (2, c_out, 16 // stride, 16 // stride)


def test_bottleneck_matches_torchvision():
    ours = BottleneckBlock(256, 64)
    theirs = Bottleneck(256, 64)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    assert ours(torch.randn(1, 256, 8, 8)).shape == (1, 256, 8, 8)


def test_depth_net_counts_its_layers():
    for depth in (4, 10, 20):
        convs = [m for m in depth_net(depth, residual=True).modules()
                 if isinstance(m, torch.nn.Conv2d | torch.nn.Linear)]
        assert len(convs) == depth
    with pytest.raises(ValueError, match="depth must be even"):
        depth_net(7, residual=False)
