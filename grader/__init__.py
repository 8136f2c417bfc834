"""rnn-grader: grades vanilla-RNN numpy assignments."""
__version__ = "0.1.0"
