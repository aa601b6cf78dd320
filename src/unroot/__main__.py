"""``python -m unroot`` runs the CLI."""

from unroot.cli import main

if __name__ == "__main__":
    main()
