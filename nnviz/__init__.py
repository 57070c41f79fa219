"""nnviz: see inside the beginner MNIST network while it learns."""
