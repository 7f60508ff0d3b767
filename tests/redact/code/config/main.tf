variable "db_password" {
  type      = string
  sensitive = true
}

variable "api_token" {
  description = "Token the deploy job uses to call the API."
  type        = string
  sensitive   = true
  default     = null
}

resource "aws_db_instance" "main" {
  identifier        = "app-prod"
  engine            = "postgres"
  engine_version    = "16.3"
  instance_class    = "db.t4g.medium"
  username          = "app"
  password          = var.db_password
  storage_encrypted = true
  kms_key_id        = aws_kms_key.db.arn
}

resource "aws_kms_key" "db" {
  description             = "Key for the app database"
  deletion_window_in_days = 30
  enable_key_rotation     = true
}

resource "aws_secretsmanager_secret" "token" {
  name = "prod/app/api-token"
}

resource "aws_secretsmanager_secret_version" "token" {
  secret_id     = aws_secretsmanager_secret.token.id
  secret_string = var.api_token
}

output "db_password_arn" {
  value = aws_secretsmanager_secret.token.arn
}
