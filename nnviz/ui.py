"""Names the Train page's glue still imports from here while it is being moved; the rest is in nnviz/app.

Temporary: views/train.py, nnviz/app/train_controls.py, nnviz/app/train_live.py and tests/views/test_train.py
import these; they go when those import from nnviz/app directly.
"""

from nnviz.app.digit_choice import CurrentDigit, current_digit, set_digit  # noqa: F401
from nnviz.app.model_choice import use_training_run  # noqa: F401
from nnviz.app.run_lists import saved_runs  # noqa: F401
from nnviz.app.run_lists import session_runs as runs  # noqa: F401
from nnviz.app.session import DIGIT  # noqa: F401
