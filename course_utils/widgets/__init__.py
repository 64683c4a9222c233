"""Interactive widgets for the notebooks: ipywidgets controls driving our math modules.

One module per topic (``perceptron``, ``tour``, ...) on a shared ``base`` (``FigureImage``,
``Widget``); everything is re-exported here, so notebooks write
``from course_utils.widgets import PerceptronPlayground``. In a notebook:
``pg = PerceptronPlayground(dataset="AND")`` then ``pg``.
"""

from course_utils.widgets.architectures import ArchitectureExplorer
from course_utils.widgets.autograd import GraphStepper
from course_utils.widgets.base import FigureImage, Widget
from course_utils.widgets.captioning import CaptionExplorer
from course_utils.widgets.cnn import DigitPainter, FeatureMapViewer, RocExplorer
from course_utils.widgets.conv import ConvArithmetic, KernelEditor, NetworkDesigner
from course_utils.widgets.deepnets import DeepNetLab
from course_utils.widgets.detection import DetectionExplorer
from course_utils.widgets.faces import FACE_PHOTOS, FaceDetectorLab
from course_utils.widgets.mlp import ActivationExplorer, MLPPlayground
from course_utils.widgets.optim import OptimizerRace
from course_utils.widgets.perceptron import (
    GATE_CHOICES,
    TOY_CHOICES,
    PerceptronPlayground,
    PerceptronStepper,
    perceptron_dataset,
)
from course_utils.widgets.rcnn import TwoStageExplorer
from course_utils.widgets.segmentation import SegmentationViewer
from course_utils.widgets.tour import COLOUR_PHOTOS, ColourQuantizer
from course_utils.widgets.transfer import FreezeLab
