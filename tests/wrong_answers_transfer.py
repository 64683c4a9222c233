"""Wrong answers to notebook 10's exercises: each must fail with a hint."""

from torch import nn


def _stacked(model, classes):
    model.classifier = nn.Sequential(model.classifier, nn.Linear(1000, classes))
    return model


def _one_too_many(model, classes):
    model.classifier = nn.Linear(model.num_features, classes + 1)
    return model


def _retrained_body(model, classes):
    model.classifier = nn.Linear(model.num_features, classes)
    model.conv_head.reset_parameters()
    return model


def _last_block_only(model):
    for p in model.parameters():
        p.requires_grad = False
    for p in model.blocks[-1].parameters():
        p.requires_grad = True
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _counted_all(model):
    for p in model.parameters():
        p.requires_grad = False
    for m in (model.blocks[-1], model.conv_head, model.bn2, model.classifier):
        for p in m.parameters():
            p.requires_grad = True
    return sum(p.numel() for p in model.parameters())


def _tensors_not_elements(model):
    for p in model.parameters():
        p.requires_grad = False
    for m in (model.blocks[-1], model.conv_head, model.bn2, model.classifier):
        for p in m.parameters():
            p.requires_grad = True
    return sum(1 for p in model.parameters() if p.requires_grad)


WRONG = {
    "10.new_head": [
        _stacked,
        _one_too_many,
        _retrained_body,
        lambda model, classes: model,  # head untouched
        lambda model, classes: nn.Linear(model.num_features, classes),  # the head alone
    ],
    "10.freeze_all_but_last": [
        _last_block_only,
        _counted_all,
        _tensors_not_elements,
        lambda model: sum(p.numel() for p in model.parameters()),  # nothing frozen
    ],
}
