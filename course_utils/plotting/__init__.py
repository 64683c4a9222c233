"""Figures for the notebooks (matplotlib only; the numbers come from the math modules).

One module per topic (``perceptron``, ``tour``, ...) on a shared ``base``; everything is
re-exported here, so notebooks write ``from course_utils.plotting import plot_decision``.
"""

from course_utils.plotting.architectures import plot_accuracy_vs_operations, plot_degradation
from course_utils.plotting.autograd import draw_graph, graph_layout, plot_graph
from course_utils.plotting.base import (
    BOX_COLOURS,
    CLASS_COLOURS,
    REGION_CMAP,
    data_extent,
    draw_box,
    figure,
    html_table,
    subplots,
)
from course_utils.plotting.captioning import (
    WordBars,
    draw_rnn_pattern,
    draw_word_probabilities,
    plot_caption_loss,
    plot_captions,
    plot_gradient_through_time,
    plot_rnn_patterns,
    plot_unrolled_rnn,
    update_word_probabilities,
)
from course_utils.plotting.conv import (
    draw_grid,
    plot_feature_maps,
    plot_filtered,
    plot_grids,
    plot_im2col,
)
from course_utils.plotting.deepnets import (
    draw_per_layer,
    plot_activation_histograms,
    plot_dropout_curves,
    plot_ensemble,
    plot_per_layer,
    plot_update_ratios,
)
from course_utils.plotting.detection import (
    draw_detections,
    plot_default_boxes,
    plot_detections,
    plot_localisation,
    plot_map_vs_time,
    plot_pr_curves,
    plot_proposals,
    plot_windows,
    plot_yolo_grid,
)
from course_utils.plotting.faces import plot_face_stages
from course_utils.plotting.mlp import (
    draw_activation,
    draw_surface,
    plot_activations,
    plot_approximation,
    plot_decision_surface,
    plot_sawtooth,
)
from course_utils.plotting.optim import plot_batch_runs, plot_lr_sweep, plot_search
from course_utils.plotting.perceptron import (
    DecisionArtists,
    draw_decision,
    plot_decision,
    plot_training_curve,
    update_decision,
)
from course_utils.plotting.rcnn import StagePanels, plot_rpn_before_after
from course_utils.plotting.segmentation import (
    CLASS_PALETTE,
    colourise,
    overlay,
    plot_instance_masks,
    plot_label_maps,
    plot_losses,
    plot_mask_targets,
    plot_overlaps,
    plot_predictions,
    plot_semantic_vs_instance,
)
from course_utils.plotting.tour import (
    plot_bandit,
    plot_boxes,
    plot_digit_grid,
    plot_segmentation,
    plot_top_k,
)
from course_utils.plotting.transfer import (
    draw_freezing,
    draw_learning_curve,
    plot_early_and_late,
    plot_image_rows,
    plot_learning_curves,
    plot_projections,
)
