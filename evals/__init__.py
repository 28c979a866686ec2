"""The evaluation suite: datasets, id-based metrics, baselines and the runner behind
`talenthub eval`. It drives `assistant` from the outside, as a user would."""
