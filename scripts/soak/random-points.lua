-- wrk script: GET /v1/assessments at random points over the Wugang sample's territory, counting non-200 answers.
math.randomseed(os.time())
local industries = { "1411", "3011", "2511", "4411", "5211" }
request = function()
  local lon = 113.38 + math.random() * 0.32
  local lat = 33.18 + math.random() * 0.24
  local ind = industries[math.random(#industries)]
  return wrk.format("GET", string.format("/v1/assessments?lon=%.6f&lat=%.6f&industry=%s&nature=new", lon, lat, ind))
end
