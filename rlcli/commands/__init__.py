"""One module per command: parse options, build a spec, make one core call, render the result."""
