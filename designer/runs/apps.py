from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "designer.runs"
    label = "runs"

    def ready(self) -> None:
        # Every process (worker, web server scoring deployments, shell) runs user Python with the
        # configured sandbox, also where no RunContext exists (scoring a Create Python Model).
        from django.conf import settings

        from modules.python_language.runner import set_default_runner
        from modules.python_language.sandbox import configured_runner

        set_default_runner(configured_runner(**settings.DESIGNER_SANDBOX_OPTIONS))
