"""Exercises of notebook 10 (transfer learning), checked on timm's EfficientNet-Lite0.

The checkers build the architecture with random weights (no weights file needed: the
structure, names and parameter counts are those of the pretrained network) and compare
with counts made independently, module by module.
"""

from __future__ import annotations

import torch
from torch import nn

from course_utils.exercises import CheckFailed, answer_number, exercise


def _fresh_network() -> nn.Module:
    import timm

    torch.manual_seed(0)
    return timm.create_model("tf_efficientnet_lite0", pretrained=False).eval()


def _broken_head(model):
    """A wrong output for the generic test: the head has one class too many."""
    if isinstance(model, nn.Module) and isinstance(getattr(model, "classifier", None), nn.Linear):
        head = model.classifier
        model.classifier = nn.Linear(head.in_features, head.out_features + 1)
    return model


@exercise("10.new_head", title="replace the classifier head for a new number of classes",
          perturb=_broken_head)
def _new_head(answer) -> None:
    for classes in (2, 7, 13):
        model = _fresh_network()
        x = torch.randn(2, 3, 64, 64)
        with torch.no_grad():
            before = model.forward_head(model.forward_features(x), pre_logits=True)
            old = model.classifier.weight.detach().clone()
        got = answer(model, classes)
        if not isinstance(got, nn.Module):
            raise CheckFailed("return the model (with its new head), not "
                              f"{type(got).__name__}")
        if not hasattr(got, "forward_features"):
            raise CheckFailed("return the whole model with its new head, not the head alone")
        head = getattr(got, "classifier", None)
        if isinstance(head, nn.Sequential):
            raise CheckFailed("put the new layer in place of model.classifier, not after it: "
                              "stacked on the old head it would read 1,000 ImageNet scores, "
                              "not the 1,280 features")
        if not isinstance(head, nn.Linear):
            raise CheckFailed("model.classifier should be an nn.Linear layer, got "
                              f"{type(head).__name__}")
        if head.in_features != model.num_features:
            raise CheckFailed(f"the new head reads the {model.num_features} pooled features "
                              f"(model.num_features), got in_features={head.in_features}")
        if head.out_features != classes:
            raise CheckFailed(f"for {classes} classes the head needs out_features={classes}, "
                              f"got {head.out_features}")
        with torch.no_grad():
            out = got.eval()(x)
            after = got.forward_head(got.forward_features(x), pre_logits=True)
        if tuple(out.shape) != (2, classes):
            raise CheckFailed(f"the model's output should be [N, {classes}], got "
                              f"{list(out.shape)}")
        if not torch.allclose(before, after):
            raise CheckFailed("only the head changes: the body's weights (and so its "
                              "features) must stay the pretrained ones")
        if got is not model or model.classifier is not head:
            raise CheckFailed("replace model.classifier in the model you were given and return "
                              "that same model (not a copy): the caller's model gets the head")
        if not all(p.requires_grad for p in head.parameters()):
            raise CheckFailed("the new head must be trainable (requires_grad = True): it is "
                              "the part that learns the new classes")
        if torch.allclose(head.weight.detach(), old[:classes]):
            raise CheckFailed("make a fresh nn.Linear: rows of the old ImageNet head are "
                              "scores for ImageNet classes, not a start for your classes")


def _count_expected(model: nn.Module) -> tuple[int, set[str]]:
    """The parameters of the last stage, conv_head, bn2 and classifier, named."""
    keep = (model.blocks[-1], model.conv_head, model.bn2, model.classifier)
    names = {n for n, p in model.named_parameters()
             if any(p is q for m in keep for q in m.parameters())}
    return sum(p.numel() for m in keep for p in m.parameters()), names


def _arriving(model: nn.Module, how: str) -> nn.Module:
    """The model as it may arrive: fresh (all trainable), all frozen, or frozen at random."""
    generator = torch.Generator().manual_seed(1)
    for p in model.parameters():
        p.requires_grad = how == "fresh" or (
            how == "mixed" and bool(torch.rand(1, generator=generator) < 0.5))
    return model


@exercise("10.freeze_all_but_last", title="freeze all but the last stage, count what trains")
def _freeze(answer) -> None:
    for how in ("fresh", "all frozen", "mixed"):
        _freeze_once(answer, how)


def _freeze_once(answer, how: str) -> None:
    model = _arriving(_fresh_network(), how)
    expected, trainable_names = _count_expected(model)
    got = answer_number(answer(model), "freeze_all_but_last(model)", integer=True)
    flags = {n for n, p in model.named_parameters() if p.requires_grad}
    if how != "fresh" and flags != trainable_names:
        raise CheckFailed(f"on a model that arrives {how} (some requires_grad already False), "
                          "exactly the last stage, conv_head, bn2 and classifier must end up "
                          "trainable: set requires_grad = True on them, False on the rest")
    if flags == {n for n, _ in model.named_parameters()}:
        raise CheckFailed("nothing was frozen: set requires_grad = False on every parameter, "
                          "then True again on the last stage, conv_head, bn2 and classifier")
    if "conv_head.weight" not in flags or "classifier.weight" not in flags:
        raise CheckFailed("what sits on top of the last stage trains too: conv_head, bn2 and "
                          "the classifier (the head) keep requires_grad = True")
    if flags != trainable_names:
        extra = sorted(flags - trainable_names)[:2]
        missing = sorted(trainable_names - flags)[:2]
        raise CheckFailed(f"the trainable parameters should be those of model.blocks[-1], "
                          f"conv_head, bn2 and classifier (still trainable: {extra or 'ok'}; "
                          f"frozen by mistake: {missing or 'none'})")
    if got != expected:
        raise CheckFailed(f"count the elements (p.numel()) of the parameters with "
                          f"requires_grad, got {got:,}")
