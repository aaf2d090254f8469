"""Two-class linear margin classifiers: the averaged perceptron and the support vector machine."""

from __future__ import annotations

from typing import Any

from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, Normalizer
from sklearn.svm import LinearSVC

from modules.sdk import BoolParam, Category, FloatParam, IntParam, Task, register
from modules.training.estimators import SigmoidProbabilities
from modules.training.learners import (
    EstimatorLearner,
    FitSetup,
    LearnerModule,
    allow_unknown_param,
    hyperparameter,
    seed_param,
    trainer_mode_param,
)


class AveragedPerceptronLearner(EstimatorLearner):
    """The averaged perceptron: perceptron updates at a constant learning rate, and the final weights are
    the average of the weights after every update (scikit-learn SGD with the perceptron loss)."""

    def build_estimator(self, setup: FitSetup) -> Any:
        perceptron = SGDClassifier(
            loss="perceptron",
            penalty=None,
            learning_rate="constant",
            eta0=self.params["learning_rate"],
            max_iter=self.params["maximum_number_of_iterations"],
            tol=None,  # run exactly the requested number of passes
            average=True,
            shuffle=True,
            random_state=setup.seed,
        )
        return SigmoidProbabilities(perceptron)


@register
class TwoClassAveragedPerceptron(LearnerModule):
    """A fast linear classifier for two classes: the averaged perceptron.

    Good when the classes can be separated by a straight line (hyperplane). Text categories become 0/1
    columns; missing values must be cleaned first. ``Scored Probabilities`` is the sigmoid of the
    perceptron's margin for the second label value in sorted order (above 0.5 exactly when that class is
    predicted).
    """

    key = "classification.two_class_averaged_perceptron"
    title = "Two-Class Averaged Perceptron"
    category = Category.CLASSIFICATION
    task = Task.BINARY
    learner_class = AveragedPerceptronLearner
    params = (
        trainer_mode_param(),
        *hyperparameter(
            FloatParam(
                "learning_rate",
                "Learning rate",
                1.0,
                "Size of each perceptron update.",
                min=0.0,
                exclusive_min=True,
            ),
            "0.1; 0.5; 1.0",
        ),
        *hyperparameter(
            IntParam(
                "maximum_number_of_iterations",
                "Maximum number of iterations",
                10,
                "Passes over the training data.",
                min=1,
            ),
            "1; 10",
        ),
        seed_param(),
        allow_unknown_param(),
    )


class SupportVectorMachineLearner(EstimatorLearner):
    """A linear SVM: scikit-learn ``LinearSVC`` with the hinge loss.

    The reference's objective is ``lambda / 2 * |w|^2 + mean(hinge loss)`` (Pegasos); dividing by lambda
    gives LinearSVC's ``1/2 * |w|^2 + C * sum(hinge loss)`` with ``C = 1 / (lambda * number of rows)``.
    "Number of iterations" caps the passes of LinearSVC's coordinate-descent solver. Features are scaled
    to [0, 1] first when "Normalize features" is checked, then each row is scaled to length 1 when
    "Project to the unit-sphere" is checked.
    """

    def build_estimator(self, setup: FitSetup) -> Any:
        svm = LinearSVC(
            loss="hinge",
            dual=True,
            C=1.0 / (self.params["lambda"] * setup.n_rows),
            max_iter=self.params["number_of_iterations"],
            random_state=setup.seed,
        )
        steps: list[Any] = []
        if self.params["normalize_features"]:
            steps.append(MinMaxScaler())
        if self.params["project_to_the_unit_sphere"]:
            steps.append(Normalizer())
        classifier = SigmoidProbabilities(svm)
        return make_pipeline(*steps, classifier) if steps else classifier


@register
class TwoClassSupportVectorMachine(LearnerModule):
    """A linear support vector machine for two classes: the widest-margin straight-line separator.

    Lambda is the regularisation weight (larger = simpler model); it maps to scikit-learn's
    ``LinearSVC(C = 1 / (lambda * number of rows))``. Text categories become 0/1 columns; missing values
    must be cleaned first. ``Scored Probabilities`` is the sigmoid of the margin for the second label
    value in sorted order (above 0.5 exactly when that class is predicted).
    """

    key = "classification.two_class_support_vector_machine"
    title = "Two-Class Support Vector Machine"
    category = Category.CLASSIFICATION
    task = Task.BINARY
    learner_class = SupportVectorMachineLearner
    params = (
        trainer_mode_param(),
        *hyperparameter(
            IntParam(
                "number_of_iterations",
                "Number of iterations",
                10,
                "Passes of the solver over the data; more passes get closer to the best separator.",
                min=1,
            ),
            "1; 10; 100",
        ),
        *hyperparameter(
            FloatParam(
                "lambda",
                "Lambda",
                0.001,
                "Regularisation weight: larger values give a simpler, smoother separator.",
                min=0.0,
                exclusive_min=True,
            ),
            "0.00001; 0.0001; 0.001; 0.01; 0.1",
        ),
        BoolParam("normalize_features", "Normalize features", True, "Scale every feature to [0, 1] first."),
        BoolParam(
            "project_to_the_unit_sphere",
            "Project to the unit-sphere",
            False,
            "Scale every row to length 1 (after normalising).",
            advanced=True,
        ),
        seed_param(),
        allow_unknown_param(),
    )
