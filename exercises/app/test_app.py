"""Unit tests of the demo app's routing and configuration; run in the `test` stage of the Dockerfile."""
import json
import unittest

from app import Config, Metrics, respond


class RoutesTest(unittest.TestCase):
    def setUp(self):
        self.config = Config({"APP_MESSAGE": "salut", "APP_ENV": "formation"})
        self.metrics = Metrics()

    def test_health_is_json(self):
        status, content_type, body = respond("/health", self.config, self.metrics)
        self.assertEqual((status, content_type), (200, "application/json"))
        self.assertEqual(json.loads(body)["status"], "UP")

    def test_root_shows_configured_message(self):
        body = json.loads(respond("/", self.config, self.metrics)[2])
        self.assertEqual((body["message"], body["env"]), ("salut", "formation"))

    def test_personnes(self):
        names = [p["prenom"] for p in json.loads(respond("/api/personnes", self.config, self.metrics)[2])]
        self.assertEqual(names[0], "Alice")
        self.assertEqual(names[-1], "Emily")

    def test_metrics_count_requests(self):
        self.metrics.count("/health", 200)
        text = respond("/metrics", self.config, self.metrics)[2]
        self.assertIn('demo_app_http_requests_total{path="/health",code="200"} 1', text)

    def test_unknown_path_is_a_problem(self):
        status, content_type, _ = respond("/nope", self.config, self.metrics)
        self.assertEqual((status, content_type), (404, "application/problem+json"))

    def test_defaults_and_bad_level(self):
        self.assertEqual(Config({}).port, 8080)
        with self.assertRaises(ValueError):
            Config({"LOG_LEVEL": "bavard"})


if __name__ == "__main__":
    unittest.main()
