"""mlcore — the NumPy library behind the book's chapters (the book's own machinery is the package ``textbook``).

Each module is one idea: ``functional`` (pure functions), ``scalar`` (the
pure-Python network), ``parameter``, ``layers``, ``losses``, ``model``, ``optim``, ``train``,
``gradcheck`` (gradient checks), ``datasets`` (with the ``idx`` and ``image_folders`` readers),
``plots``, ``sklearn`` and ``config`` (every ``MLCORE_*`` environment variable).
"""
from .config import full_data, data_dir
from .functional import log_sigmoid, log_softmax, one_hot, relu, sigmoid, softmax, tanh
from .scalar import ScalarNetwork, ScalarForward, ScalarGradients
from .parameter import Parameter
from .layers import BatchNorm1d, Dropout, Layer, Linear, ReLU, Sigmoid, Tanh, activation
from .losses import L2Penalty, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy
from .model import Sequential
from .optim import SGD, Adam, Optimizer, make_optimizer
from .train import History, evaluate, fit
from .gradcheck import check_function, check_layer, check_loss, check_model, numerical_gradient, relative_error, report
from .datasets import (ImageData, add_bias_column, binary_subset, load_cifar10, load_cifar10_from,
                       load_circles, load_mnist, load_synth, minmax_scale, scale_pixels, split_last)
from .idx import read_cifar10_batch, read_idx
from . import plots

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]
