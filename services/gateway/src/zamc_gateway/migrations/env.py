from zamc_events.runtime.migrations import run_env

run_env()
