"""`python -m publish`: the same as the `publish` console script."""

from publish.cli import main

if __name__ == "__main__":
    main()
