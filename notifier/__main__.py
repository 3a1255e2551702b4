from notifier.entrypoints.cli import main

main()
