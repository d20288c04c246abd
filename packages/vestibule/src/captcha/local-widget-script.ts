// The local verifier's widget (`GET /local/api.js`), for `vestibule up --captcha` and browser tests:
// a checkbox that asks the verifier that served the script for a token and puts it in the form's
// `local-captcha-response` field. No inline styles or handlers, so it runs under the pages' CSP
// once the verifier's origin is allowed for scripts and fetches.
export const LOCAL_WIDGET_SCRIPT = `(function(){
"use strict";
var script=document.currentScript;if(!script)return;var origin=new URL(script.src).origin;
function mount(el){if(el.hasAttribute("data-mounted"))return;el.setAttribute("data-mounted","true");
var field=document.createElement("input");field.type="hidden";field.name="local-captcha-response";el.appendChild(field);
var label=document.createElement("label");var box=document.createElement("input");box.type="checkbox";
label.appendChild(box);label.appendChild(document.createTextNode(" I am not a robot (local test captcha)"));el.appendChild(label);
box.addEventListener("change",function(){field.value="";el.removeAttribute("data-state");if(!box.checked)return;
fetch(origin+"/local/token",{method:"POST",body:new URLSearchParams({sitekey:el.getAttribute("data-sitekey")||""})})
.then(function(r){if(!r.ok)throw new Error("refused");return r.json()})
.then(function(j){field.value=j.token;el.setAttribute("data-state","solved")})
.catch(function(){box.checked=false;el.setAttribute("data-state","failed")})})}
var els=document.querySelectorAll(".vestibule-local-captcha");for(var i=0;i<els.length;i++)mount(els[i]);
})();`;
