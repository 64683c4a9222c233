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


def _frozen_head(model, classes):
    model.classifier = nn.Linear(model.num_features, classes).requires_grad_(False)
    return model


def _old_rows(model, classes):
    head = nn.Linear(model.num_features, classes)
    head.weight.data.copy_(model.classifier.weight.data[:classes])  # not fresh: ImageNet rows
    model.classifier = head
    return model


def _copy_with_head(model, classes):
    import copy

    model = copy.deepcopy(model)  # the caller's model keeps its old head
    model.classifier = nn.Linear(model.num_features, classes)
    return model


def _only_freezes_below(model):
    for part in (model.conv_stem, model.bn1, *model.blocks[:-1]):
        for p in part.parameters():
            p.requires_grad = False  # the top keeps whatever flag it had
    return sum(p.numel() for m in (model.blocks[-1], model.conv_head, model.bn2,
                                   model.classifier) for p in m.parameters())


def _right_count_all_frozen(model):
    for p in model.parameters():
        p.requires_grad = False
    return sum(p.numel() for m in (model.blocks[-1], model.conv_head, model.bn2,
                                   model.classifier) for p in m.parameters())


WRONG["10.new_head"] += [
    _frozen_head,  # a head that cannot learn
    _old_rows,  # the first rows of the ImageNet head, not a fresh layer
    _copy_with_head,  # a copy gets the head; the model passed in does not
]
WRONG["10.freeze_all_but_last"] += [
    _only_freezes_below,  # right on a fresh model, wrong on one that arrives frozen
    _right_count_all_frozen,  # the count is right but nothing trains
]
