"""Time to accuracy of the named detectors (issue 20 §1) on the 64 x 64 scenes, one thread.

Each is trained for a fixed number of steps on 3000 scenes and measured on 200 held-out
scenes at checkpoints; "reached after" is training CPU seconds (``time.process_time``, the
machine may be shared), the goal mAP@0.5 >= 0.9 within 60 CPU s (Mask R-CNN: 120 s and mean
mask IoU >= 0.75).
"""

TRAIN = dict(n=3000, seed=1, max_objects=4)
VAL = dict(n=200, seed=2, max_objects=4)


def _scenes():
    from course_utils.data import make_scenes

    return (make_scenes(TRAIN["n"], seed=TRAIN["seed"], max_objects=TRAIN["max_objects"]),
            make_scenes(VAL["n"], seed=VAL["seed"], max_objects=VAL["max_objects"]))


def _rows(notebook: str, name: str, checkpoints, goals):
    from course_utils.detector_runs import first_reaching

    final = checkpoints[-1]
    for target, key, goal in goals:
        yield {"model": f"{notebook} {name}, scenes 64x64 (CPU s)", "target": f"held-out {target}",
               "seconds": first_reaching(checkpoints, key, goal),
               "final": f"{getattr(final, key):.3f} after {final.cpu_seconds:.0f} CPU s "
                        f"({final.wall_seconds:.0f} s wall, {final.step} steps)"}


def ssd_rows():
    from course_utils.ssd import train_ssd

    train, val = _scenes()
    run = train_ssd(train, val, steps=400, eval_every=25)
    yield from _rows("12", "SSD", run.checkpoints, (("mAP@0.5 0.9", "map50", 0.9),
                                              ("mAP@[.5:.95] 0.7", "map", 0.7)))


def yolo_rows():
    from course_utils.yolo import train_yolo

    train, val = _scenes()
    run = train_yolo(train, val, steps=400, eval_every=25)
    yield from _rows("12", "YOLO v1", run.checkpoints, (("mAP@0.5 0.9", "map50", 0.9),
                                                  ("mAP@[.5:.95] 0.6", "map", 0.6)))


def faster_rcnn_rows():
    from course_utils.rcnn import train_rcnn

    train, val = _scenes()
    run = train_rcnn(train, val, steps=600, batch_size=4, eval_every=50)
    yield from _rows("11", "Faster R-CNN", run.checkpoints, (("mAP@0.5 0.9", "map50", 0.9),
                                                       ("mAP@[.5:.95] 0.7", "map", 0.7)))


def mask_rcnn_rows():
    from course_utils.rcnn import train_rcnn

    train, val = _scenes()
    run = train_rcnn(train, val, masks=True, steps=600, batch_size=4, lr=1e-3,
                     eval_every=50)
    yield from _rows("13", "Mask R-CNN", run.checkpoints, (("box mAP@0.5 0.9", "map50", 0.9),
                                                     ("mean mask IoU 0.75", "mask_iou", 0.75),
                                                     ("mask recall 0.9", "mask_recall", 0.9)))


def comparison_rows():
    """One table: every detector on the same 200 held-out scenes."""
    from course_utils.detector_table import compare_detectors

    train, val = _scenes()
    for r in compare_detectors(train, val):
        yield {"model": f"11-13 {r['description']} ({r['steps']} steps)",
               "target": "comparison: mAP@0.5 / mAP@[.5:.95]",
               "seconds": r["train_cpu_s"],
               "final": f"{r['map50']:.3f} / {r['map']:.3f}; {r['inference_ms']:.1f} CPU ms "
                        f"per scene; {r['parameters']:,} parameters"}


def time_to_accuracy():
    for rows in (ssd_rows, yolo_rows, faster_rcnn_rows, mask_rcnn_rows, comparison_rows):
        yield from rows()
