"""The request envelopes of the seed's "Messages" section, verbatim (placeholders and all).

Copied from seed-web21c-services.txt; test_seed_envelopes.py substitutes sample values.
"""

SEED_REQUESTS = {
    "clearReceivedMessages": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <clearReceivedMessages xmlns="http://sdk.bt.com/2007/07/Messaging/Inbound">
      <messageIds>
        <messageId>xs:string</messageId>
        <messageId>xs:string</messageId>
      </messageIds>
    </clearReceivedMessages>
  </soap:Body>
</soap:Envelope>
""",
    "createConference": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <createConference xmlns="http://sdk.bt.com/2007/07/Session/Conferencing">
    </createConference>
  </soap:Body>
</soap:Envelope>
""",
    "disconnectParticipant": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <disconnectParticipant xmlns="http://sdk.bt.com/2007/07/Session/Conferencing">
      <participantId>xs:string</participantId>
    </disconnectParticipant>
  </soap:Body>
</soap:Envelope>
""",
    "endCall": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <endCall xmlns="http://sdk.bt.com/2007/07/Session/ThirdPartyCall">
      <callId>xs:string</callId>
    </endCall>
  </soap:Body>
</soap:Envelope>
""",
    "endConference": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <endConference xmlns="http://sdk.bt.com/2007/07/Session/Conferencing">
      <conferenceId>xs:string</conferenceId>
    </endConference>
  </soap:Body>
</soap:Envelope>
""",
    "getCallInformation": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <getCallInformation xmlns="http://sdk.bt.com/2007/07/Session/ThirdPartyCall">
      <callId>xs:string</callId>
    </getCallInformation>
  </soap:Body>
</soap:Envelope>
""",
    "getConferenceInfo": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <getConferenceInfo xmlns="http://sdk.bt.com/2007/07/Session/Conferencing">
      <conferenceId>xs:string</conferenceId>
    </getConferenceInfo>
  </soap:Body>
</soap:Envelope>
""",
    "getMessageDeliveryStatuses": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <getMessageDeliveryStatuses xmlns="http://sdk.bt.com/2007/07/Messaging/OneWay">
      <messageId>xs:string</messageId>
    </getMessageDeliveryStatuses>
  </soap:Body>
</soap:Envelope>
""",
    "getParticipantInfo": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <getParticipantInfo xmlns="http://sdk.bt.com/2007/07/Session/Conferencing">
      <participantId>xs:string</participantId>
    </getParticipantInfo>
  </soap:Body>
</soap:Envelope>
""",
    "getParticipants": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <getParticipants xmlns="http://sdk.bt.com/2007/07/Session/Conferencing">
      <conferenceId>xs:string</conferenceId>
    </getParticipants>
  </soap:Body>
</soap:Envelope>
""",
    "getReceivedMessages": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <getReceivedMessages xmlns="http://sdk.bt.com/2007/07/Messaging/Inbound">
      <keyword>xs:string</keyword>
    </getReceivedMessages>
  </soap:Body>
</soap:Envelope>
""",
    "inviteParticipant": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <inviteParticipant xmlns="http://sdk.bt.com/2007/07/Session/Conferencing">
      <conferenceId>xs:string</conferenceId>
      <participantUri>xs:anyURI</participantUri>
      <announcementType>xs:int</announcementType>
    </inviteParticipant>
  </soap:Body>
</soap:Envelope>
""",
    "makeCall": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <makeCall xmlns="http://sdk.bt.com/2007/07/Session/ThirdPartyCall">
      <callingParty>xs:anyURI</callingParty>
      <calledParty>xs:anyURI</calledParty>
      <dialTimeoutSec>xs:int</dialTimeoutSec>
      <announcementType>xs:int</announcementType>
    </makeCall>
  </soap:Body>
</soap:Envelope>
""",
    "sendMessage": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <sendMessage xmlns="http://sdk.bt.com/2007/07/Messaging/OneWay">
      <recipientUris>
        <uri>xs:anyURI</uri>
        <uri>xs:anyURI</uri>
      </recipientUris>
      <from>xs:string</from>
      <messageText>xs:string</messageText>
    </sendMessage>
  </soap:Body>
</soap:Envelope>
""",
    "sendMessageWithEventing": """\
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <sendMessageWithEventing xmlns="http://sdk.bt.com/2007/07/Messaging/OneWay">
      <recipientUris>
        <uri>xs:anyURI</uri>
        <uri>xs:anyURI</uri>
      </recipientUris>
      <from>xs:string</from>
      <messageText>xs:string</messageText>
      <url>xs:anyURI</url>
    </sendMessageWithEventing>
  </soap:Body>
</soap:Envelope>
""",
}
