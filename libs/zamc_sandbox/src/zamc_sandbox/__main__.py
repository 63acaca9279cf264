from zamc_sandbox.main import app

app(prog_name="zamc-sandbox")
