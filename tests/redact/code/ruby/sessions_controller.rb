class SessionsController < ApplicationController
  skip_before_action :authenticate!, only: %i[new create]

  def create
    user = User.find_by(email: params[:email].to_s.downcase)
    if user&.authenticate(params[:password])
      token = user.regenerate_auth_token
      cookies.encrypted[:auth_token] = { value: token, httponly: true, secure: Rails.env.production? }
      render json: { token: token, token_type: "Bearer" }
    else
      render json: { error: "Invalid email or password" }, status: :unauthorized
    end
  end

  def destroy
    current_user&.update!(auth_token: nil)
    cookies.delete(:auth_token)
    head :no_content
  end

  private

  def api_key
    @api_key ||= request.headers["X-Api-Key"] || params[:api_key]
  end

  def secret
    @secret ||= Rails.application.credentials.dig(:stripe, :secret_key)
  end
end

class User < ApplicationRecord
  has_secure_password
  has_secure_token :auth_token
  validates :password, length: { minimum: 12 }, allow_nil: true
end
