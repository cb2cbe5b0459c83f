-- wrk script: keeps 16 GET /turno/bench requests in flight per connection.
init = function(args)
  local r = {}
  for i = 1, 16 do
    r[i] = wrk.format("GET", "/turno/bench")
  end
  req = table.concat(r)
end

request = function()
  return req
end
